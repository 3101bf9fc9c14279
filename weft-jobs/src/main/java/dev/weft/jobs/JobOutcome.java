package dev.weft.jobs;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link JobHandler} decided: control flow is typed, never encoded in exceptions. A handler
 * that throws is treated as {@link Retry} with the worker's backoff.
 *
 * <ul>
 *   <li>{@link #success()}: the job succeeded.
 *   <li>{@link #snooze(Duration)}: run it again after the delay; the attempt does not count.
 *   <li>{@link #retryAfter(Duration, String)}: this attempt failed; retry after the delay if
 *       attempts are left, else the job is dead.
 *   <li>{@link #giveUp(String)}: the job cannot succeed; it becomes dead at once.
 * </ul>
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface JobOutcome {

  /** {@return the outcome of a job that succeeded} */
  static JobOutcome success() {
    return Success.INSTANCE;
  }

  /**
   * {@return an outcome that puts the job back for {@code delay} without counting the attempt}
   *
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  static JobOutcome snooze(Duration delay) {
    return new Snooze(delay);
  }

  /**
   * {@return a failed attempt to retry after {@code delay} (instead of the worker's backoff)}
   *
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  static JobOutcome retryAfter(Duration delay, String reason) {
    return new Retry(delay, reason);
  }

  /** {@return an outcome that makes the job dead at once, recording {@code reason}} */
  static JobOutcome giveUp(String reason) {
    return new GiveUp(reason);
  }

  /** The job succeeded. */
  enum Success implements JobOutcome {
    /** The only instance. */
    INSTANCE
  }

  /**
   * Run the job again after {@code delay}; the attempt is not counted.
   *
   * @param delay how long to wait, {@code >= 0}
   */
  record Snooze(Duration delay) implements JobOutcome {
    /** Validates the delay. */
    public Snooze {
      requireNonNegative(delay);
    }
  }

  /**
   * This attempt failed; retry after {@code delay} if attempts are left.
   *
   * @param delay how long to wait, {@code >= 0}
   * @param reason recorded in the job's error history
   */
  record Retry(Duration delay, String reason) implements JobOutcome {
    /** Validates the delay. */
    public Retry {
      requireNonNegative(delay);
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The job cannot succeed: it becomes dead at once.
   *
   * @param reason recorded in the job's error history
   */
  record GiveUp(String reason) implements JobOutcome {
    /** Validates the reason. */
    public GiveUp {
      Objects.requireNonNull(reason, "reason");
    }
  }

  private static void requireNonNegative(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
  }
}
