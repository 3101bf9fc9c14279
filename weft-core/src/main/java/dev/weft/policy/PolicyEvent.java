package dev.weft.policy;

import dev.weft.observe.Event;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a resilience policy did: a retry was scheduled or given up, a breaker changed state, a call
 * was rejected, a call timed out, a fallback was used. Every policy emits these to the {@link
 * dev.weft.observe.Listener} given to its builder; {@link #source()} is the policy's name. A
 * metrics binding switches over the sealed set.
 *
 * <p>Events are immutable records, safe to hand to other threads.
 *
 * {@snippet :
 * Listener log = event -> {
 *   if (event instanceof PolicyEvent.BreakerStateChanged(var name, var from, var to)) {
 *     System.err.println(name + ": " + from + " -> " + to);
 *   }
 * };
 * }
 */
public sealed interface PolicyEvent extends Event {

  /**
   * A retry will run after {@code delay}.
   *
   * @param source the retry's name
   * @param attempt the attempt that just failed, from 1
   * @param delay how long the retry waits before the next attempt
   * @param failure what the failed attempt threw, or {@code null} when its result was retryable
   */
  record RetryScheduled(String source, int attempt, Duration delay, @Nullable Throwable failure)
      implements PolicyEvent {
    /** Checks the parts. */
    public RetryScheduled {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * A retry stopped retrying and failed the call.
   *
   * @param source the retry's name
   * @param attempts how many attempts ran
   * @param reason why it stopped
   */
  record RetryGaveUp(String source, int attempts, RetriesExhaustedException.Reason reason)
      implements PolicyEvent {
    /** Checks the parts. */
    public RetryGaveUp {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A circuit breaker moved from one state to another.
   *
   * @param source the breaker's name
   * @param from the state it left
   * @param to the state it entered
   */
  record BreakerStateChanged(String source, CircuitBreaker.State from, CircuitBreaker.State to)
      implements PolicyEvent {
    /** Checks the parts. */
    public BreakerStateChanged {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /**
   * A call was refused without running: an open breaker, a full bulkhead.
   *
   * @param source the refusing policy's name
   * @param reason why, in words that stand alone in a log
   */
  record CallRejected(String source, String reason) implements PolicyEvent {
    /** Checks the parts. */
    public CallRejected {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A call ran past its timeout and was cancelled.
   *
   * @param source the timeout's name
   * @param timeout the limit it exceeded
   * @param workStopped whether the work had stopped when the caller was released ({@code false}
   *     only when the timeout was built to {@linkplain Timeout#withReturnEarly return early})
   */
  record TimedOut(String source, Duration timeout, boolean workStopped) implements PolicyEvent {
    /** Checks the parts. */
    public TimedOut {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * A fallback replaced a failure.
   *
   * @param source the fallback's name
   * @param failure the failure it replaced
   */
  record FallbackUsed(String source, Throwable failure) implements PolicyEvent {
    /** Checks the parts. */
    public FallbackUsed {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(failure, "failure");
    }
  }
}
