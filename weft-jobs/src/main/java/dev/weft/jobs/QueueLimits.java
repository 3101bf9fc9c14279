package dev.weft.jobs;

import org.jspecify.annotations.Nullable;

/**
 * Limits on one queue that every worker on every machine respects together, because they are stored
 * in the database and checked inside the claim: at most {@code maxRunning} jobs running at once,
 * and at most {@code perSecond} claims a second with bursts of {@code burst}.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param maxRunning the most jobs of the queue running at once, or {@code null} for no limit
 * @param perSecond claims per second allowed on average, or {@code null} for no rate limit
 * @param burst the most claims allowed at once after an idle spell, {@code >= 1}
 */
public record QueueLimits(@Nullable Integer maxRunning, @Nullable Double perSecond, int burst) {

  /**
   * Validates the limits.
   *
   * @throws IllegalArgumentException naming the component, its value and the rule
   */
  public QueueLimits {
    if (maxRunning != null && maxRunning < 1) {
      throw new IllegalArgumentException("maxRunning must be >= 1, was " + maxRunning);
    }
    if (perSecond != null && !(perSecond > 0 && Double.isFinite(perSecond))) {
      throw new IllegalArgumentException("perSecond must be > 0 and finite, was " + perSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be >= 1, was " + burst);
    }
  }

  /** {@return limits of at most {@code maxRunning} running jobs} */
  public static QueueLimits maxRunning(int maxRunning) {
    return new QueueLimits(maxRunning, null, 1);
  }

  /** {@return limits of {@code perSecond} claims a second, with bursts of {@code burst}} */
  public static QueueLimits rate(double perSecond, int burst) {
    return new QueueLimits(null, perSecond, burst);
  }
}
