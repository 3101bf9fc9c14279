package dev.weft.queue;

import dev.weft.observe.Listener;
import dev.weft.policy.Backoff;
import dev.weft.policy.Policy;
import dev.weft.policy.Timeout;
import dev.weft.task.CancellationToken;
import dev.weft.task.DeadlineExceededException;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Runs every attempt of one {@link TaskQueue} entry on the calling worker thread: the policy, the
 * per-attempt timeout, the retries with their backoff, and the {@code Started}/{@code Retrying}
 * events. It records how the run ended in the entry's worker fields ({@code end}, {@code pending},
 * {@code lastError}) and leaves publishing that to the queue. Thread-safe: it holds only settings;
 * the backoff's jitter draws from {@link Backoff#jitter()}.
 *
 * <p>Overview for maintainers. An attempt is a plain call on the worker thread. With a timeout it
 * runs inside a {@link Timeout} (its default mode: on the calling thread, watched by the shared
 * timer), which on expiry cancels the attempt's token, interrupts the worker and waits until the
 * work has returned; no thread is started per attempt. The work's own outcome is caught inside the
 * timed call ({@link Timed}), so the policy never wraps the task's checked exceptions, and what
 * comes out of the {@code Timeout} itself is its own {@link DeadlineExceededException}, which is
 * restated with the task's name and attempt. A cancel interrupts the worker, hence the attempt.
 */
final class AttemptRunner {

  /** Whether a cancel was requested for an entry (read under the queue's lock). */
  interface CancelCheck {
    boolean requested(Entry<?> e);
  }

  private final String name;
  private final @Nullable Duration timeoutLength;
  private final @Nullable Timeout timeout;
  private final @Nullable Policy<Object> policy;
  private final int maxAttempts;
  private final Backoff backoff;
  private final Predicate<Throwable> retryOn;
  private final Listener listener;
  private final TimeSource time;
  private final CancelCheck cancelCheck;

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
    this.timeoutLength = timeout;
    this.timeout =
        timeout == null
            ? null
            : Timeout.of(timeout).withName("queue '" + name + "' attempt").withTimeSource(time);
    this.policy = policy;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.retryOn = retryOn;
    this.listener = listener;
    this.time = time;
    this.cancelCheck = cancelCheck;
  }

  /**
   * Runs the attempts of {@code e} and records the end in {@code e.end}/{@code e.pending} (and
   * {@code e.lastError} when it finally failed, an {@link Error} included: it is never retried).
   * Returns normally for every outcome. A task whose submitter was cancelled before it started ends
   * cancelled without running.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // attempts is written by this worker alone
  void run(Entry<?> e) {
    CancellationToken submitter = e.submitter;
    if (submitter != null && submitter.isCancelled()) {
      end(e, TaskStatus.CANCELLED, e.cancelledWithSubmitter(submitter, "before it started"));
      return;
    }
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
        return;
      } catch (Throwable t) {
        if (cancelCheck.requested(e)) {
          Throwable c = e.cancelled("was cancelled while running");
          c.addSuppressed(t);
          end(e, TaskStatus.CANCELLED, c);
          return;
        }
        if (!(t instanceof Error) && attempt < maxAttempts && retryOn.test(t)) {
          Duration delay = backoff.delay(attempt, Backoff.jitter());
          if (!listener.isNone()) {
            Listener.emit(listener, new TaskQueueEvent.Retrying(name, e.id, attempt, t, delay));
          }
          try {
            time.sleep(delay);
          } catch (InterruptedException ie) {
            end(e, TaskStatus.CANCELLED, e.cancelled("was cancelled while waiting to retry"));
            return;
          }
          continue;
        }
        e.lastError = t;
        end(e, TaskStatus.FAILED, t);
        return;
      }
    }
  }

  private static void end(Entry<?> e, TaskStatus end, Throwable error) {
    e.end = end;
    e.pending = error;
  }

  /** One attempt, under the per-attempt timeout when there is one. */
  private <T> @Nullable T attempt(Entry<T> e) throws Exception {
    Policy<Object> p = policy;
    Callable<T> work = p == null ? e.task : () -> p.call(e.task);
    Timeout t = timeout;
    if (t == null) {
      return work.call();
    }
    Timed<T> timed = new Timed<>(work);
    try {
      t.call(timed);
    } catch (DeadlineExceededException expired) {
      DeadlineExceededException restated =
          new DeadlineExceededException(
              e.describe()
                  + " exceeded its timeout of "
                  + timeoutLength
                  + " on attempt "
                  + e.attempts,
              timeoutLength);
      Throwable interrupted = timed.failure;
      if (interrupted != null) {
        restated.addSuppressed(interrupted); // what the interrupted work threw
      }
      throw restated;
    }
    return timed.outcome();
  }

  /** An attempt's work, keeping its own outcome so that the {@code Timeout} never sees it. */
  private static final class Timed<T> implements Callable<Boolean> {
    private final Callable<T> work;
    private @Nullable T value;
    private @Nullable Throwable failure;

    Timed(Callable<T> work) {
      this.work = work;
    }

    @Override
    public Boolean call() {
      try {
        value = work.call();
      } catch (Throwable t) {
        failure = t;
      }
      return Boolean.TRUE;
    }

    /** {@return the work's value, or throws what the work threw} */
    @Nullable T outcome() throws Exception {
      Throwable f = failure;
      if (f == null) {
        return value;
      }
      if (f instanceof Error err) {
        throw err;
      }
      throw (Exception) f;
    }
  }
}
