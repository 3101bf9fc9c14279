package dev.weft.queue;

import dev.weft.observe.Listener;
import dev.weft.observe.WeftThreads;
import dev.weft.policy.Backoff;
import dev.weft.policy.Policy;
import dev.weft.task.DeadlineExceededException;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Runs every attempt of one {@link TaskQueue} entry on the calling worker thread: the policy, the
 * per-attempt timeout, the retries with their backoff, and the {@code Started}/{@code Retrying}
 * events. It records how the run ended in the entry's worker fields ({@code end}, {@code pending},
 * {@code lastError}) and leaves publishing that to the queue. Thread-safe: it holds only settings,
 * and the random source is used only to jitter backoffs.
 *
 * <p>Overview for maintainers. Without a timeout an attempt is a plain call on the worker thread.
 * With one, the attempt runs on a child virtual thread ({@code weft-queue-<name>-attempt}) while
 * the worker parks on the queue's clock until the child ends (it unparks the worker) or the
 * deadline passes; then the child is interrupted and joined, so no attempt outlives its run. A
 * cancel interrupts the worker, which interrupts the child the same way.
 */
final class AttemptRunner {

  /** Whether a cancel was requested for an entry (read under the queue's lock). */
  interface CancelCheck {
    boolean requested(Entry<?> e);
  }

  private final String name;
  private final @Nullable Duration timeout;
  private final @Nullable Policy<Object> policy;
  private final int maxAttempts;
  private final Backoff backoff;
  private final Predicate<Throwable> retryOn;
  private final Listener listener;
  private final TimeSource time;
  private final ThreadFactory attemptThreads;
  private final CancelCheck cancelCheck;
  private final RandomGenerator random = new SplittableRandom();

  AttemptRunner(
      String name,
      @Nullable Duration timeout,
      @Nullable Policy<Object> policy,
      int maxAttempts,
      Backoff backoff,
      Predicate<Throwable> retryOn,
      Listener listener,
      TimeSource time,
      CancelCheck cancelCheck) {
    this.name = name;
    this.timeout = timeout;
    this.policy = policy;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.retryOn = retryOn;
    this.listener = listener;
    this.time = time;
    this.cancelCheck = cancelCheck;
    this.attemptThreads = WeftThreads.virtual("weft-queue-" + name + "-attempt");
  }

  /**
   * Runs the attempts of {@code e} and records the end in {@code e.end}/{@code e.pending} (and
   * {@code e.lastError} when it finally failed). Returns normally for every outcome but an {@link
   * Error}, which it records as a failure and returns for the worker to rethrow once it has
   * published the end.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // attempts is written by this worker alone
  @Nullable Error run(Entry<?> e) {
    e.started = true;
    if (!listener.isNone()) {
      e.startedAt = time.read();
    }
    while (true) {
      int attempt = ++e.attempts;
      if (!listener.isNone()) {
        Listener.emit(listener, new TaskQueueEvent.Started(name, e.id, attempt));
      }
      try {
        e.pending = attempt(e);
        e.end = TaskStatus.SUCCEEDED;
        return null;
      } catch (Throwable t) {
        if (cancelCheck.requested(e)) {
          Throwable c = e.cancelled("was cancelled while running");
          c.addSuppressed(t);
          return end(e, TaskStatus.CANCELLED, c);
        }
        if (t instanceof Error err) {
          end(e, TaskStatus.FAILED, err);
          return err;
        }
        if (attempt < maxAttempts && retryOn.test(t)) {
          Duration delay = backoff.delay(attempt, random);
          if (!listener.isNone()) {
            Listener.emit(listener, new TaskQueueEvent.Retrying(name, e.id, attempt, t, delay));
          }
          try {
            time.sleep(delay);
          } catch (InterruptedException ie) {
            return end(
                e, TaskStatus.CANCELLED, e.cancelled("was cancelled while waiting to retry"));
          }
          continue;
        }
        e.lastError = t;
        return end(e, TaskStatus.FAILED, t);
      }
    }
  }

  private static @Nullable Error end(Entry<?> e, TaskStatus end, Throwable error) {
    e.end = end;
    e.pending = error;
    return null;
  }

  /** One attempt, under the per-attempt timeout when there is one. */
  private <T> @Nullable T attempt(Entry<T> e) throws Exception {
    Policy<Object> p = policy;
    Callable<T> work = p == null ? e.task : () -> p.call(e.task);
    Duration limit = timeout;
    if (limit == null) {
      return work.call();
    }
    Thread worker = Thread.currentThread();
    FutureTask<T> future = new FutureTask<>(work);
    Thread child =
        attemptThreads.newThread(() -> {
          try {
            future.run();
          } finally {
            LockSupport.unpark(worker);
          }
        });
    long deadline = time.readAfter(limit);
    child.start();
    try {
      while (!future.isDone()) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("task interrupted");
        }
        if (time.read() - deadline >= 0) {
          future.cancel(true);
          WeftThreads.joinUninterruptibly(child);
          throw new DeadlineExceededException(
              "task '"
                  + e.name()
                  + "' (#"
                  + e.id
                  + ") of queue '"
                  + name
                  + "' exceeded its timeout of "
                  + limit
                  + " on attempt "
                  + e.attempts,
              limit);
        }
        time.parkUntil(deadline);
      }
      try {
        return future.get();
      } catch (ExecutionException ex) {
        Throwable cause = Objects.requireNonNull(ex.getCause());
        if (cause instanceof Exception x) {
          throw x;
        }
        throw (Error) cause;
      }
    } catch (InterruptedException ie) {
      future.cancel(true);
      WeftThreads.joinUninterruptibly(child);
      throw ie;
    }
  }
}
