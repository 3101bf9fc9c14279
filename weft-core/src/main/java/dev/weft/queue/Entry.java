package dev.weft.queue;

import dev.weft.task.CancelledException;
import dev.weft.task.Settled;
import dev.weft.task.TaskFailedException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * One submitted task and its handle. {@code status}, {@code thread} and {@code cancelRequested} are
 * written under the queue's lock; {@code status}, {@code attempts} and {@code outcome} are volatile
 * so the handle reads them without it. {@code outcome} is set once, before {@code done} opens.
 */
final class Entry<T> implements TaskHandle<T> {

  final TaskQueue queue;
  final long id;
  final String name;
  final Priority priority;
  final Callable<T> task;
  private final CountDownLatch done = new CountDownLatch(1);

  volatile TaskStatus status = TaskStatus.QUEUED;
  volatile int attempts;
  private volatile @Nullable Settled<T> outcome;
  @Nullable Thread thread; // guarded by queue.lock
  boolean cancelRequested; // guarded by queue.lock
  long startedAt; // worker thread only
  boolean started; // worker thread only

  Entry(TaskQueue queue, long id, @Nullable String name, Priority priority, Callable<T> task) {
    this.queue = queue;
    this.id = id;
    this.name = name == null ? "task-" + id : name;
    this.priority = priority;
    this.task = task;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String name() {
    return name;
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
    return Optional.ofNullable(outcome);
  }

  @Override
  public T await() throws InterruptedException {
    done.await();
    Settled<T> o = Objects.requireNonNull(outcome);
    return switch (o) {
      case Settled.Success<T>(T value) -> value;
      case Settled.Failure<T>(Throwable cause) -> {
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error e) {
          throw e;
        }
        throw new TaskFailedException(
            "task '"
                + name
                + "' (#"
                + id
                + ") of queue '"
                + queue.name()
                + "' failed after "
                + attempts
                + " attempt(s)",
            cause);
      }
    };
  }

  @Override
  public boolean cancel() {
    return queue.cancel(this);
  }

  /** Sets the final status and outcome, and opens {@link #await()}. Called once. */
  void complete(TaskStatus end, Settled<T> result) {
    outcome = result;
    status = end;
    done.countDown();
  }

  CancelledException cancelled(String why) {
    return new CancelledException(
        "task '" + name + "' (#" + id + ") of queue '" + queue.name() + "' " + why);
  }

  Duration took(long now) {
    return !started ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - startedAt));
  }

  @Override
  public String toString() {
    return "TaskHandle[" + queue.name() + "/" + name + " #" + id + " " + status + "]";
  }
}
