package dev.weft.cli;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latency percentiles in fixed memory: a histogram of 2,000 log-spaced buckets from 1 µs to about
 * 17 minutes (each about 1% wide), so p50/p99 of ten million requests cost the same as of ten.
 * Thread-safe (atomic counters); a percentile read during updates is approximate.
 */
final class Latencies {

  private static final int BUCKETS = 2000;
  private static final double GROWTH = 1.01;
  private static final double LOG_GROWTH = Math.log(GROWTH);
  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  void add(Duration d) {
    double micros = Math.max(1, d.toNanos() / 1000.0);
    int b = (int) Math.min(BUCKETS - 1, Math.floor(Math.log(micros) / LOG_GROWTH));
    counts.incrementAndGet(b);
  }

  /** {@return the {@code q}-quantile ({@code 0 < q <= 1}), zero when empty} */
  Duration quantile(double q) {
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      total += counts.get(i);
    }
    if (total == 0) {
      return Duration.ZERO;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Duration.ofNanos((long) (Math.pow(GROWTH, i + 0.5) * 1000));
      }
    }
    return Duration.ZERO;
  }
}
