package dev.weft.queue;

import dev.weft.observe.Listener;
import dev.weft.policy.Backoff;
import dev.weft.policy.Policy;
import dev.weft.task.CancelledException;
import dev.weft.task.DeadlineExceededException;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory queue of tasks run at most {@code concurrency} at a time, highest {@link Priority}
 * first and FIFO within a priority, holding at most {@code capacity} waiting tasks.
 *
 * {@snippet :
 * try (TaskQueue q = TaskQueue.builder().name("emails").concurrency(8).capacity(10_000).build()) {
 *   for (Email e : emails) {
 *     q.submit(Priority.NORMAL, () -> smtp.send(e)); // blocks while 10,000 wait: backpressure
 *   }
 *   q.awaitIdle();
 * }
 * }
 *
 * <p>Tasks run on virtual threads (named {@code weft-queue-<name>-N}) or on the executor given to
 * the builder. Each task may get a timeout per attempt and retries with a {@link Backoff}; a task
 * whose last attempt fails goes to the dead-letter handler, once. {@link #pause()} stops starting
 * tasks (running ones go on); {@link #resume()} starts them again. {@link #shutdown(Duration)}
 * stops accepting tasks, lets the queue drain for a grace period, then cancels what runs and
 * returns the tasks that never started: nothing is dropped silently.
 *
 * <p>Thread-safe. Memory consistency effects: actions before {@code submit} happen-before the task
 * runs; a task's actions happen-before its handle's {@link TaskHandle#await()} returns and before
 * an {@link #awaitIdle()} that observes it ended returns.
 *
 * <p>Overview for maintainers: this class holds the API and its settings; {@code QueueEngine} holds
 * the lock, the tasks and the workers, {@code AttemptRunner} runs one task's attempts (timeout,
 * retry, policy), and {@code RateMeter} keeps the rate behind the ETA.
 */
public final class TaskQueue implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.weft.queue");

  private final QueueEngine engine;
  private final @Nullable Duration closeGrace;

  private TaskQueue(Builder b) {
    this.engine = new QueueEngine(b);
    this.closeGrace = b.closeGrace;
  }

  /** {@return a builder; see its setters for the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the queue's name} */
  public String name() {
    return engine.name();
  }

  /**
   * Submits a task with {@link Priority#NORMAL}. See {@link #submit(Priority, String, Callable)}.
   *
   * @param task the work
   * @return the task's handle
   * @throws InterruptedException if interrupted while blocked on a full queue
   */
  public <T> TaskHandle<T> submit(Callable<T> task) throws InterruptedException {
    return submit(Priority.NORMAL, null, task);
  }

  /**
   * Submits a task. See {@link #submit(Priority, String, Callable)}.
   *
   * @param priority how urgent it is
   * @param task the work
   * @return the task's handle
   * @throws InterruptedException if interrupted while blocked on a full queue
   */
  public <T> TaskHandle<T> submit(Priority priority, Callable<T> task) throws InterruptedException {
    return submit(priority, null, task);
  }

  /**
   * Submits a named task.
   *
   * <p>Returns the handle once the task waits in the queue. When the queue already holds its
   * capacity: under {@link Overflow#BLOCK} it blocks until room is made (throwing {@link
   * InterruptedException}, flag cleared, if interrupted, in which case the task was not added);
   * blocked submitters are woken once the queue has drained to half its capacity, so a submitter
   * that outpaces the workers wakes once per half a queue rather than once per task; under {@link
   * Overflow#REJECT} it throws {@link QueueFullException}; under {@link Overflow#DROP_OLDEST} it
   * drops a task (see there) and returns. Throws {@link RejectedExecutionException} once the queue
   * is shut down, also to a submitter blocked when it happens.
   *
   * @param priority how urgent it is
   * @param name the task's name, for handles, events and dead letters; null for {@code task-<id>}
   * @param task the work
   * @return the task's handle
   * @throws InterruptedException if interrupted while blocked on a full queue
   */
  public <T> TaskHandle<T> submit(Priority priority, @Nullable String name, Callable<T> task)
      throws InterruptedException {
    return engine.submit(priority, name, task);
  }

  /** Stops starting tasks; running tasks go on. Idempotent. */
  public void pause() {
    engine.pause();
  }

  /** Starts tasks again after {@link #pause()}. Idempotent. */
  public void resume() {
    engine.resume();
  }

  /** {@return whether the queue is paused} */
  public boolean isPaused() {
    return engine.isPaused();
  }

  /** {@return how many tasks wait (not counting running ones)} */
  public int size() {
    return engine.size();
  }

  /** {@return how many tasks run now} */
  public int running() {
    return engine.running();
  }

  /**
   * {@return the queue's counts, its recent completion rate and the estimated time to finish}
   *
   * <p>The rate weighs recent completions most (see {@link Builder#rateWindow(Duration)}), so the
   * estimate follows a change of pace within about one window.
   */
  public QueueProgress progress() {
    return engine.progress();
  }

  /**
   * Waits until no task waits or runs. Returns at once if the queue is idle. While the queue is
   * paused with tasks waiting, it keeps waiting. Throws {@link InterruptedException} (flag cleared)
   * if interrupted.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitIdle() throws InterruptedException {
    engine.awaitIdle();
  }

  /**
   * Waits at most {@code timeout}, measured on the queue's time source, until no task waits or
   * runs.
   *
   * <p>Returns {@code true} as soon as the queue is idle (at once if it is already), {@code false}
   * when the timeout passes first (at once, unless idle, when it is zero or negative); throws
   * {@link InterruptedException}, with the interrupt flag cleared, if the thread is interrupted
   * before or while it waits. While the queue is paused with tasks waiting, it is not idle.
   *
   * @param timeout the longest wait
   * @return whether the queue became idle within the timeout
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return engine.awaitIdle(timeout);
  }

  /**
   * Shuts the queue down: stops accepting tasks, keeps starting waiting tasks for up to {@code
   * grace} (measured on the queue's time source), then cancels the tasks still running
   * (interrupting them; they are not retried) and returns the tasks that never started, whose
   * handles end {@link TaskStatus#CANCELLED}.
   *
   * <p>Returns once no task runs and no worker is left. If the queue drains within the grace, it
   * returns an empty list. If the calling thread is interrupted, the grace ends at once (the
   * interrupt flag stays set). Calling it again returns an empty list.
   *
   * @param grace how long waiting and running tasks may go on; {@link Duration#ZERO} for none
   * @return the tasks that never started, in the order they would have run
   */
  public List<Unstarted> shutdown(Duration grace) {
    return engine.shutdown(grace);
  }

  /**
   * Shuts down with the builder's {@code closeGrace}, by default waiting for every task to end.
   * Tasks that never started (only when a grace was set) are logged at WARNING, by count, and their
   * handles end {@link TaskStatus#CANCELLED}; call {@link #shutdown(Duration)} to get them.
   */
  @Override
  public void close() {
    List<Unstarted> left =
        shutdown(closeGrace == null ? Duration.ofNanos(Long.MAX_VALUE) : closeGrace);
    if (!left.isEmpty()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "queue ''{0}'' closed with {1} task(s) never started; their handles are cancelled",
          engine.name(),
          left.size());
    }
  }

  @Override
  public String toString() {
    QueueProgress p = progress();
    return "TaskQueue["
        + engine.name()
        + ", queued="
        + p.queued()
        + ", running="
        + p.running()
        + "]";
  }

  /**
   * Builds a {@link TaskQueue}. Each setter validates its value at once and says which rule it
   * broke. Not thread-safe.
   */
  public static final class Builder {
    String name = "queue";
    int concurrency = 16;
    int capacity = 10_000;
    Overflow overflow = Overflow.BLOCK;
    @Nullable Duration timeout;
    @Nullable Policy<Object> policy;
    int maxAttempts = 1;
    Backoff backoff = Backoff.fixed(Duration.ZERO);
    Predicate<Throwable> retryOn =
        t ->
            t instanceof Exception
                && !(t instanceof InterruptedException)
                && !(t instanceof CancelledException);
    Consumer<DeadLetter> deadLetter = d -> {};
    Listener listener = Listener.none();
    TimeSource time = TimeSource.system();
    @Nullable Executor executor;
    @Nullable Duration closeGrace;
    Duration rateWindow = Duration.ofSeconds(10);

    private Builder() {}

    /** Names the queue, for threads, events and messages; default {@code queue}. @return this */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** Sets the most tasks running at once, {@code >= 1}; default 16. @return this */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** Sets the most tasks waiting, {@code >= 1}; default 10,000. @return this */
    public Builder capacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
      }
      this.capacity = capacity;
      return this;
    }

    /** Sets what a submit to a full queue does; default {@link Overflow#BLOCK}. @return this */
    public Builder overflow(Overflow overflow) {
      this.overflow = Objects.requireNonNull(overflow, "overflow");
      return this;
    }

    /**
     * Sets a timeout per attempt: an attempt still running after it is interrupted, waited for, and
     * fails with {@link DeadlineExceededException} (retried like any failure). Default none.
     *
     * @param timeout {@code > 0}
     * @return this
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Runs every attempt of every task through {@code policy} (a {@code dev.weft.policy.Retry},
     * {@code Timeout}, {@code CircuitBreaker}, or several composed with {@link Policy#of}): the
     * policy's own retries happen inside one queue attempt, and what the policy finally throws is
     * the attempt's failure (retried by {@link #retry} if set, then dead-lettered). Default none.
     *
     * @param policy a policy that accepts any result
     * @return this
     */
    public Builder policy(Policy<Object> policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Retries a failed task up to {@code maxAttempts} attempts in all, waiting {@code backoff}
     * between them. Default: one attempt.
     *
     * @param maxAttempts {@code >= 1}
     * @param backoff the wait before each retry
     * @return this
     */
    public Builder retry(int maxAttempts, Backoff backoff) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * Sets which failures are retried; default every {@link Exception} but interrupts and
     * cancellations. @return this
     */
    public Builder retryOn(Predicate<Throwable> retryOn) {
      this.retryOn = Objects.requireNonNull(retryOn, "retryOn");
      return this;
    }

    /**
     * Sets the handler that receives each task that finally failed, once, on the worker's thread
     * after the task's handle has ended. What it throws is logged. Default: none (the failure stays
     * in the task's handle and the {@code Ended} event).
     *
     * @param handler the dead-letter handler
     * @return this
     */
    public Builder deadLetter(Consumer<DeadLetter> handler) {
      this.deadLetter = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** Sets the receiver of {@link TaskQueueEvent}s; default none. @return this */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Sets the clock for timeouts, backoff, grace and rates; default the system's. @return this */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * Runs the queue's workers on {@code executor} instead of on new virtual threads. The executor
     * must be able to run {@code concurrency} tasks at once. @return this
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the grace {@link #close()} gives tasks before cancelling; default: wait for all.
     *
     * @param grace {@code >= 0}
     * @return this
     */
    public Builder closeGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("closeGrace must be >= 0, was " + grace);
      }
      this.closeGrace = grace;
      return this;
    }

    /**
     * Sets how far back the completion rate behind {@link QueueProgress#perSecond()} and its ETA
     * looks: completions older than the window weigh less and less (exponentially, by elapsed
     * time); during the first window the rate is the average since the first task started. Default
     * 10 seconds.
     *
     * @param window {@code > 0}
     * @return this
     */
    public Builder rateWindow(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("rateWindow must be > 0, was " + window);
      }
      this.rateWindow = window;
      return this;
    }

    /** {@return the queue} */
    public TaskQueue build() {
      return new TaskQueue(this);
    }
  }
}
