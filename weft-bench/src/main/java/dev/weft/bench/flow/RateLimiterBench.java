package dev.weft.bench.flow;

import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Non-blocking {@code tryAcquire} of one permit: weft's {@link dev.weft.flow.RateLimiter} against
 * Bucket4j, Guava and Resilience4j. "Admit": the rate (1e9/s) is far above what the threads can
 * ask, so every call is granted (the fast path). "Reject": the bucket is empty and refills once an
 * hour, so every call is refused. Run with {@code -t 1} and {@code -t 2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RateLimiterBench {

  private final dev.weft.flow.RateLimiter weftAdmit =
      dev.weft.flow.RateLimiter.builder().perSecond(1e9).burst(1_000_000).build();
  private final Bucket bucket4jAdmit =
      Bucket.builder()
          .addLimit(l -> l.capacity(1_000_000).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
          .build();
  private final com.google.common.util.concurrent.RateLimiter guavaAdmit =
      com.google.common.util.concurrent.RateLimiter.create(1e9);
  private final io.github.resilience4j.ratelimiter.RateLimiter r4jAdmit =
      io.github.resilience4j.ratelimiter.RateLimiter.of(
          "admit",
          RateLimiterConfig.custom()
              .limitForPeriod(1_000_000)
              .limitRefreshPeriod(Duration.ofMillis(1))
              .timeoutDuration(Duration.ZERO)
              .build());

  private final dev.weft.flow.RateLimiter weftReject =
      dev.weft.flow.RateLimiter.of(1, Duration.ofHours(1));
  private final Bucket bucket4jReject =
      Bucket.builder().addLimit(l -> l.capacity(1).refillGreedy(1, Duration.ofHours(1))).build();
  private final com.google.common.util.concurrent.RateLimiter guavaReject =
      com.google.common.util.concurrent.RateLimiter.create(1.0 / 3600);
  private final io.github.resilience4j.ratelimiter.RateLimiter r4jReject =
      io.github.resilience4j.ratelimiter.RateLimiter.of(
          "reject",
          RateLimiterConfig.custom()
              .limitForPeriod(1)
              .limitRefreshPeriod(Duration.ofHours(1))
              .timeoutDuration(Duration.ZERO)
              .build());

  /** weft, granted. */
  @Benchmark
  public boolean weftAdmit() {
    return weftAdmit.tryAcquire();
  }

  /** Bucket4j, granted. */
  @Benchmark
  public boolean bucket4jAdmit() {
    return bucket4jAdmit.tryConsume(1);
  }

  /** Guava, granted. */
  @Benchmark
  public boolean guavaAdmit() {
    return guavaAdmit.tryAcquire();
  }

  /** Resilience4j, granted. */
  @Benchmark
  public boolean resilience4jAdmit() {
    return r4jAdmit.acquirePermission();
  }

  /** weft, refused. */
  @Benchmark
  public boolean weftReject() {
    return weftReject.tryAcquire();
  }

  /** Bucket4j, refused. */
  @Benchmark
  public boolean bucket4jReject() {
    return bucket4jReject.tryConsume(1);
  }

  /** Guava, refused. */
  @Benchmark
  public boolean guavaReject() {
    return guavaReject.tryAcquire();
  }

  /** Resilience4j, refused. */
  @Benchmark
  public boolean resilience4jReject() {
    return r4jReject.acquirePermission();
  }
}
