package dev.weft.queue;

import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.task.Settled;
import dev.weft.task.TaskFailedException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * One submitted task and its handle.
 *
 * <p>Overview for maintainers. The entry is the only object a submission allocates besides the task
 * itself, so it carries its own completion signal instead of a latch: {@link #complete} writes
 * {@code result} (the value or the error) and {@code status}, then the volatile {@code done}; an
 * awaiter sets {@code awaited} before it waits on the entry's monitor, and {@code complete} takes
 * the monitor to notify only when {@code awaited} is set (both are volatile, so one of the two
 * always sees the other's write). {@code status}, {@code thread}, {@code cancelRequested} and the
 * {@code prevRunning}/{@code nextRunning} links of the queue's running list are written under the
 * queue's lock; {@code status} and {@code attempts} are volatile so the handle reads them without
 * it. The fields marked "worker" belong to the thread that runs the entry.
 *
 * <p>A task submitted from inside a task (a fork of a scope) also holds the submitter's token, the
 * attempts bound to the submitter's context ({@code inContext}, from {@code TaskContext.carry}) and
 * the registration on that token that cancels the entry; {@code complete} closes the registration.
 * The submitter stores it after the entry is queued, so it may come after the end: it writes {@code
 * link} and then reads {@code done}, {@code complete} writes {@code done} and then reads {@code
 * link} (both volatile), so one of them closes it (closing twice is harmless). A task submitted
 * outside any task has none of these, and costs nothing more.
 */
final class Entry<T> implements TaskHandle<T> {

  final QueueEngine queue;
  long id; // written under queue.lock before the entry is queued or returned
  private final @Nullable String givenName;
  final Priority priority;
  final Callable<T> task;

  volatile TaskStatus status = TaskStatus.QUEUED;
  volatile int attempts;
  private @Nullable Object result; // the value or the error; published by done
  private volatile boolean done;
  private volatile boolean awaited;

  @Nullable CancellationToken submitter; // the submitter's token; null outside any task
  @Nullable Callable<?> inContext; // runs the attempts in the submitter's context; null outside
  private volatile CancellationToken.@Nullable Registration link;

  @Nullable Thread thread; // guarded by queue.lock
  boolean cancelRequested; // guarded by queue.lock
  @Nullable Entry<?> prevRunning; // guarded by queue.lock
  @Nullable Entry<?> nextRunning; // guarded by queue.lock

  long startedAt; // worker
  boolean started; // worker
  TaskStatus end = TaskStatus.RUNNING; // worker: how the run ended, before it is published
  @Nullable Object pending; // worker: the value or error to publish
  @Nullable Throwable lastError; // worker: set when the task finally failed

  Entry(QueueEngine queue, @Nullable String name, Priority priority, Callable<T> task) {
    this.queue = queue;
    this.givenName = name;
    this.priority = priority;
    this.task = task;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String name() {
    return givenName != null ? givenName : "task-" + id;
  }

  @Override
  public Priority priority() {
    return priority;
  }

  @Override
  public TaskStatus status() {
    return status;
  }

  @Override
  public int attempts() {
    return attempts;
  }

  @Override
  public Optional<Settled<T>> outcome() {
    if (!done) {
      return Optional.empty();
    }
    Object r = result;
    if (status == TaskStatus.SUCCEEDED) {
      T value = cast(r);
      return Optional.of(Settled.success(value));
    }
    return Optional.of(Settled.failure((Throwable) java.util.Objects.requireNonNull(r)));
  }

  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals", "NullAway"})
  private static <V> V cast(@Nullable Object o) {
    return (V) o;
  }

  @Override
  public T await() throws InterruptedException {
    if (!done) {
      awaited = true;
      synchronized (this) {
        while (!done) {
          wait();
        }
      }
    }
    Object r = result;
    if (status == TaskStatus.SUCCEEDED) {
      return cast(r); // the task's own value, which may be null for a nullable T
    }
    Throwable cause = (Throwable) java.util.Objects.requireNonNull(r);
    if (cause instanceof RuntimeException re) {
      throw re;
    }
    if (cause instanceof Error e) {
      throw e;
    }
    throw new TaskFailedException(describe() + " failed after " + attempts + " attempt(s)", cause);
  }

  @Override
  public boolean cancel() {
    return queue.cancel(this);
  }

  /**
   * Sets the final status and the value ({@code SUCCEEDED}) or error (any other status), and wakes
   * {@link #await()}. Called once.
   */
  void complete(TaskStatus end, @Nullable Object valueOrError) {
    result = valueOrError;
    status = end;
    done = true;
    CancellationToken.Registration r = link;
    if (r != null) {
      r.close();
    }
    if (awaited) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /** The submitter's side of the registration handshake: keeps {@code r}, or closes it if done. */
  void linked(CancellationToken.Registration r) {
    link = r;
    if (done) {
      r.close();
    }
  }

  CancelledException cancelledWithSubmitter(CancellationToken token, String when) {
    RuntimeException why = token.reason().orElse(null);
    return new CancelledException(
        describe()
            + " was cancelled with its submitter "
            + when
            + (why == null ? "" : ": " + why.getMessage()),
        why);
  }

  CancelledException cancelled(String why) {
    return new CancelledException(describe() + " " + why);
  }

  Duration took(long now) {
    return !started ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - startedAt));
  }

  /** {@return how messages name this task: {@code task 'name' (#id) of queue 'queue'}} */
  String describe() {
    return "task '" + name() + "' (#" + id + ") of queue '" + queue.name() + "'";
  }

  @Override
  public String toString() {
    return "TaskHandle[" + queue.name() + "/" + name() + " #" + id + " " + status + "]";
  }
}
