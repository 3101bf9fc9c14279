package dev.weft.policy;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How long to wait before each retry: a pure function of the attempt number and a random source.
 *
 * <p>Shapes: {@link #fixed}, {@link #linear}, {@link #exponential} and {@link #decorrelated} (AWS's
 * "decorrelated jitter", whose next delay is drawn between the base and three times the previous
 * one). Fixed, linear and exponential delays can be capped with {@link #max(Duration)} and jittered
 * with {@link #fullJitter()} (uniform in {@code [0, d]}) or {@link #equalJitter()} (uniform in
 * {@code [d/2, d]}), where {@code d} is the capped delay. Every delay lies in {@code [0, max]}.
 *
 * <p>Immutable and thread-safe; the methods that configure return copies.
 *
 * {@snippet :
 * Backoff backoff = Backoff.exponential(Duration.ofMillis(100), 2.0).max(Duration.ofSeconds(10)).fullJitter();
 * Duration beforeThirdTry = backoff.delay(2, random); // uniform in [0, 200ms]
 * }
 */
public final class Backoff {

  private enum Shape {
    FIXED,
    LINEAR,
    EXPONENTIAL,
    DECORRELATED
  }

  private enum Jitter {
    NONE,
    FULL,
    EQUAL
  }

  /** The longest delay: one below {@code Long.MAX_VALUE}, so that {@code d + 1} never overflows. */
  private static final long UNCAPPED = Long.MAX_VALUE - 1;

  private final Shape shape;
  private final long initialNanos;
  private final double growth; // linear: step in nanos; exponential: factor
  private final long maxNanos;
  private final Jitter jitter;

  private Backoff(Shape shape, long initialNanos, double growth, long maxNanos, Jitter jitter) {
    this.shape = shape;
    this.initialNanos = initialNanos;
    this.growth = growth;
    this.maxNanos = maxNanos;
    this.jitter = jitter;
  }

  /** {@return the same {@code delay} before every retry} */
  public static Backoff fixed(Duration delay) {
    return new Backoff(Shape.FIXED, nonNegative("delay", delay), 0, UNCAPPED, Jitter.NONE);
  }

  /** {@return {@code initial}, then {@code initial + step}, {@code initial + 2 step}, ...} */
  public static Backoff linear(Duration initial, Duration step) {
    return new Backoff(
        Shape.LINEAR,
        nonNegative("initial", initial),
        nonNegative("step", step),
        UNCAPPED,
        Jitter.NONE);
  }

  /**
   * {@return {@code initial}, then {@code initial * factor}, {@code initial * factor^2}, ...}
   *
   * @throws IllegalArgumentException if {@code factor < 1} or {@code initial} is negative
   */
  public static Backoff exponential(Duration initial, double factor) {
    if (!(factor >= 1.0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be >= 1 and finite, was " + factor);
    }
    return new Backoff(
        Shape.EXPONENTIAL, nonNegative("initial", initial), factor, UNCAPPED, Jitter.NONE);
  }

  /**
   * {@return decorrelated jitter: the first delay is {@code base}, each later one uniform in {@code
   * [base, 3 * previous]}, capped at {@code max}}
   */
  public static Backoff decorrelated(Duration base, Duration max) {
    long b = nonNegative("base", base);
    long m = nonNegative("max", max);
    if (m < b) {
      throw new IllegalArgumentException("max must be >= base (" + base + "), was " + max);
    }
    return new Backoff(Shape.DECORRELATED, b, 3.0, m, Jitter.NONE);
  }

  /** {@return a copy whose delays never exceed {@code max}} */
  public Backoff max(Duration max) {
    long m = nonNegative("max", max);
    if (shape == Shape.DECORRELATED) {
      return decorrelated(Duration.ofNanos(initialNanos), max);
    }
    return new Backoff(shape, initialNanos, growth, m, jitter);
  }

  /** {@return a copy whose delays are uniform in {@code [0, d]}; not for {@link #decorrelated}} */
  public Backoff fullJitter() {
    return withJitter(Jitter.FULL);
  }

  /**
   * {@return a copy whose delays are uniform in {@code [d/2, d]}; not for {@link #decorrelated}}
   */
  public Backoff equalJitter() {
    return withJitter(Jitter.EQUAL);
  }

  /** {@return the cap on every delay, if one was set} */
  public Duration maxDelay() {
    return Duration.ofNanos(maxNanos);
  }

  /**
   * {@return the source of jitter every weft retry uses unless given another} It is thread-safe:
   * each draw comes from the calling thread's own {@link ThreadLocalRandom}, so one instance serves
   * a retry, a task queue or a job worker shared by any number of threads. A generator given
   * instead (a seeded one in a test) is called from every thread that retries through it and must
   * be thread-safe too; the JDK's seeded generators ({@code SplittableRandom}, {@code
   * L64X128MixRandom}) are not.
   */
  public static RandomGenerator jitter() {
    return ThreadJitter.INSTANCE;
  }

  private enum ThreadJitter implements RandomGenerator {
    INSTANCE;

    @Override
    public long nextLong() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public long nextLong(long origin, long bound) {
      return ThreadLocalRandom.current().nextLong(origin, bound);
    }

    @Override
    public double nextDouble() {
      return ThreadLocalRandom.current().nextDouble();
    }
  }

  /**
   * Computes the delay before the retry that follows attempt {@code attempt}.
   *
   * @param attempt the attempt that just failed, from 1
   * @param random the source of jitter ({@link #jitter()} unless a test seeds one); not used when
   *     there is none
   * @return a delay in {@code [0, max]}
   * @throws IllegalArgumentException if {@code attempt < 1}
   */
  public Duration delay(int attempt, RandomGenerator random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
    }
    Objects.requireNonNull(random, "random");
    if (shape == Shape.DECORRELATED) {
      long d = initialNanos;
      for (int i = 2; i <= attempt; i++) {
        d = Math.min(maxNanos, random.nextLong(initialNanos, saturate(d * 3.0) + 1));
      }
      return Duration.ofNanos(d);
    }
    long base =
        switch (shape) {
          case FIXED -> initialNanos;
          case LINEAR -> saturate(initialNanos + growth * (attempt - 1));
          case EXPONENTIAL -> saturate(initialNanos * Math.pow(growth, attempt - 1));
          case DECORRELATED -> throw new AssertionError(shape);
        };
    long d = Math.min(base, maxNanos);
    return Duration.ofNanos(
        switch (jitter) {
          case NONE -> d;
          case FULL -> random.nextLong(0, d + 1);
          case EQUAL -> d / 2 + random.nextLong(0, d - d / 2 + 1);
        });
  }

  @Override
  public String toString() {
    String s =
        switch (shape) {
          case FIXED -> "fixed(" + Duration.ofNanos(initialNanos) + ")";
          case LINEAR ->
              "linear("
                  + Duration.ofNanos(initialNanos)
                  + ", +"
                  + Duration.ofNanos((long) growth)
                  + ")";
          case EXPONENTIAL ->
              "exponential(" + Duration.ofNanos(initialNanos) + ", x" + growth + ")";
          case DECORRELATED ->
              "decorrelated("
                  + Duration.ofNanos(initialNanos)
                  + ", "
                  + Duration.ofNanos(maxNanos)
                  + ")";
        };
    if (maxNanos != UNCAPPED && shape != Shape.DECORRELATED) {
      s += ".max(" + Duration.ofNanos(maxNanos) + ")";
    }
    return jitter == Jitter.NONE
        ? s
        : s + "." + jitter.name().toLowerCase(java.util.Locale.ROOT) + "Jitter()";
  }

  private Backoff withJitter(Jitter j) {
    if (shape == Shape.DECORRELATED) {
      throw new IllegalStateException("decorrelated backoff is already jittered");
    }
    return new Backoff(shape, initialNanos, growth, maxNanos, j);
  }

  private static long saturate(double nanos) {
    return nanos >= UNCAPPED ? UNCAPPED : (long) nanos;
  }

  private static long nonNegative(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + d);
    }
    return Math.min(UNCAPPED, TimeSource.saturatedNanos(d));
  }
}
