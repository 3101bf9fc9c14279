package dev.weft.jobs;

import org.jspecify.annotations.Nullable;

/**
 * Limits on one queue that every worker on every machine respects together, because they are stored
 * in the database and checked inside the claim: at most {@code maxRunning} jobs running at once, at
 * most {@code perSecond} claims a second with bursts of {@code burst}, and, for jobs enqueued with
 * a rate key ({@link NewJob#withRateKey}), at most {@code keyPerSecond} claims a second per key
 * with bursts of {@code keyBurst} (say one bucket per remote host or per API account).
 *
 * <p>An immutable value; thread-safe.
 *
 * {@snippet :
 * jobs.limits("crawl", QueueLimits.perKeyRate(2.0, 5));            // each host: 2/s, bursts of 5
 * jobs.limits("mail", QueueLimits.rate(100.0, 20).withKeyRate(1.0, 1));
 * }
 *
 * @param maxRunning the most jobs of the queue running at once, or {@code null} for no limit
 * @param perSecond claims per second allowed on average, or {@code null} for no rate limit
 * @param burst the most claims allowed at once after an idle spell, {@code >= 1}
 * @param keyPerSecond claims per second allowed on average for each rate key, or {@code null} for
 *     no per-key limit; jobs without a rate key are not limited by it
 * @param keyBurst the most claims of one rate key allowed at once after an idle spell, {@code >= 1}
 */
public record QueueLimits(
    @Nullable Integer maxRunning,
    @Nullable Double perSecond,
    int burst,
    @Nullable Double keyPerSecond,
    int keyBurst) {

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
    if (keyPerSecond != null && !(keyPerSecond > 0 && Double.isFinite(keyPerSecond))) {
      throw new IllegalArgumentException(
          "keyPerSecond must be > 0 and finite, was " + keyPerSecond);
    }
    if (keyBurst < 1) {
      throw new IllegalArgumentException("keyBurst must be >= 1, was " + keyBurst);
    }
  }

  /** {@return limits of at most {@code maxRunning} running jobs} */
  public static QueueLimits maxRunning(int maxRunning) {
    return new QueueLimits(maxRunning, null, 1, null, 1);
  }

  /** {@return limits of {@code perSecond} claims a second, with bursts of {@code burst}} */
  public static QueueLimits rate(double perSecond, int burst) {
    return new QueueLimits(null, perSecond, burst, null, 1);
  }

  /**
   * {@return limits of {@code perSecond} claims a second for each rate key, with bursts of {@code
   * burst}}
   */
  public static QueueLimits perKeyRate(double perSecond, int burst) {
    return new QueueLimits(null, null, 1, perSecond, burst);
  }

  /**
   * {@return a copy that also allows each rate key {@code perSecond} claims a second, with bursts
   * of {@code burst}}
   */
  public QueueLimits withKeyRate(double perSecond, int burst) {
    return new QueueLimits(maxRunning, this.perSecond, this.burst, perSecond, burst);
  }
}
