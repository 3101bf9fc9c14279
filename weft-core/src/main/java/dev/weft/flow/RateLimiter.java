package dev.weft.flow;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@code RateLimiter} lets permits through at a steady rate with a bounded burst (a token bucket,
 * computed as GCRA). Thread-safe; share one instance. Waiting callers are served in arrival order;
 * nobody busy-waits; the uncontended {@link #tryAcquire()} is one CAS.
 *
 * {@snippet :
 * RateLimiter api = RateLimiter.perSecond(100).withBurst(20);
 * api.acquire();                                  // waits its turn
 * if (api.tryAcquire(Duration.ofMillis(50))) {    // or gives up
 *   call();
 * }
 * }
 *
 * <p><b>Exactly what a window admits.</b> With rate <i>r</i> permits per second and burst <i>b</i>,
 * the permits admitted in <em>any</em> closed interval of length <i>t</i> number at most <i>b</i> +
 * <i>r</i>·<i>t</i>, and the bound is reached: a limiter idle long enough admits <i>b</i> at once,
 * then one every 1/<i>r</i>. (The emission interval 1/<i>r</i> is rounded up to a whole nanosecond,
 * so the effective rate is never above <i>r</i>.) There is no edge effect: a naive bucket that is
 * refilled all at once each period admits 2<i>b</i> around a refill, and a fixed window of <i>n</i>
 * per period admits 2<i>n</i> across a window boundary; this limiter does neither. For quotas
 * stated as "n per window", see {@link IntervalLimiter}.
 *
 * <p>How it works: the state is one number, the theoretical arrival time {@code tat}. Admitting
 * <i>n</i> permits at time <i>now</i> sets {@code tat = max(tat, now) + n/r} and is allowed when
 * the new {@code tat} is at most {@code now + b/r}. A caller that must wait joins a FIFO queue
 * whose head parks until the reading at which its request conforms; callers behind it park until it
 * leaves. Waiters take nothing until they are admitted, so one that times out or is interrupted
 * loses no permit for anyone. A new limiter starts full (a burst is available at once).
 *
 * <p>Memory consistency effects: none promised; the limiter orders admissions, it does not publish
 * data between callers.
 */
public final class RateLimiter {

  static final long RETIRED = Long.MIN_VALUE;
  private static final VarHandle TAT;

  static {
    try {
      TAT = MethodHandles.lookup().findVarHandle(RateLimiter.class, "tat", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final TimeSource time;
  private final Listener listener;
  private final long interval; // nanoseconds per permit, rounded up
  private final int burst;
  private final long tolerance; // burst * interval
  private final Turnstile turnstile;

  @SuppressWarnings("unused") // written through TAT
  private volatile long tat;

  private RateLimiter(String name, TimeSource time, Listener listener, long interval, int burst) {
    this.name = name;
    this.time = time;
    this.listener = listener;
    this.interval = interval;
    this.burst = burst;
    try {
      this.tolerance = Math.multiplyExact(interval, (long) burst);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "burst times the emission interval must fit in a long, was " + burst + " x " + interval,
          e);
    }
    this.turnstile = new Turnstile(name, time, listener, new Gcra());
    this.tat = time.read();
  }

  /**
   * {@return a limiter of {@code permitsPerSecond} with a burst of 1, on the system clock}
   *
   * @throws IllegalArgumentException if the rate is not in {@code (0, 1e9]}
   */
  public static RateLimiter perSecond(double permitsPerSecond) {
    return builder().perSecond(permitsPerSecond).build();
  }

  /**
   * {@return a limiter of {@code permits} per {@code period} with a burst of 1, on the system
   * clock}
   *
   * @throws IllegalArgumentException if {@code permits < 1} or {@code period} is not positive
   */
  public static RateLimiter of(long permits, Duration period) {
    return builder().rate(permits, period).build();
  }

  /** {@return a builder; default 1 permit per second, burst 1, name "rate-limiter"} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return a new limiter with these settings and a burst of {@code burst} (a fresh state: use it
   * before sharing the limiter)}
   *
   * @throws IllegalArgumentException if {@code burst < 1}
   */
  public RateLimiter withBurst(int burst) {
    return new RateLimiter(name, time, listener, interval, Builder.checkBurst(burst));
  }

  /** {@return one permit if it is available now and nobody waits; never blocks} */
  public boolean tryAcquire() {
    return tryAcquire(1);
  }

  /**
   * Takes {@code permits} if they are available now and nobody waits; never blocks. One CAS when
   * uncontended.
   *
   * @param permits how many, {@code 1..burst()}
   * @return whether they were taken
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public boolean tryAcquire(int permits) {
    checkCount(permits);
    if (turnstile.queued() != 0) {
      return false;
    }
    long need = permits * interval;
    // tat, then the clock: a decision is taken on a reading no older than the tat it judges, and
    // a refusal only if tat did not move meanwhile (it only grows), so the pair was current at once
    long t = tat;
    while (t != RETIRED) {
      long now = time.read();
      long next = (t - now > 0 ? t : now) + need;
      if (next - now > tolerance) {
        long again = tat;
        if (again == t) {
          return false;
        }
        t = again;
        continue;
      }
      if (TAT.compareAndSet(this, t, next)) {
        return true;
      }
      t = tat;
    }
    return false;
  }

  /**
   * Waits in FIFO order for one permit; see {@link #acquire(int)}.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void acquire() throws InterruptedException {
    acquire(1);
  }

  /**
   * Waits in FIFO order until {@code permits} are admitted.
   *
   * <p>Returns when they are admitted; throws {@link InterruptedException} (flag cleared, nothing
   * taken, the next waiter moves up) on interrupt. There is no timeout: see {@link #tryAcquire(int,
   * Duration)}.
   *
   * @param permits how many, {@code 1..burst()}
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public void acquire(int permits) throws InterruptedException {
    checkCount(permits);
    if (!tryAcquire(permits)) {
      turnstile.acquire(permits, null);
    }
  }

  /**
   * Waits up to {@code timeout} for one permit; see {@link #tryAcquire(int, Duration)}.
   *
   * @param timeout how long to wait
   * @return whether the permit was admitted
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean tryAcquire(Duration timeout) throws InterruptedException {
    return tryAcquire(1, timeout);
  }

  /**
   * Waits in FIFO order up to {@code timeout} for {@code permits}.
   *
   * <p>Returns {@code true} when admitted; returns {@code false} when they cannot be admitted
   * within the timeout, at once when that is already certain on arrival (the callers ahead and the
   * rate say so) and otherwise when the time passes; throws {@link InterruptedException} (flag
   * cleared, nothing taken) on interrupt.
   *
   * @param permits how many, {@code 1..burst()}
   * @param timeout how long to wait; zero or negative: only what is available now
   * @return whether the permits were admitted
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public boolean tryAcquire(int permits, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    checkCount(permits);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return tryAcquire(permits) || turnstile.acquire(permits, timeout) == Gate.Outcome.ACQUIRED;
  }

  /** Blocking acquire for keyed limiters: reports a retired limiter instead of admitting. */
  Gate.Outcome acquireKeyed(int permits, @Nullable Duration timeout) throws InterruptedException {
    checkCount(permits);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (tryAcquire(permits)) {
      return Gate.Outcome.ACQUIRED;
    }
    return turnstile.acquire(permits, timeout);
  }

  /** {@return how many permits could be taken at once right now (a snapshot)} */
  public int availablePermits() {
    long t = tat;
    long now = time.read();
    for (long again = tat; again != t; again = tat) { // as in tryAcquire: a pair current at once
      t = again;
      now = time.read();
    }
    if (t == RETIRED) {
      return burst;
    }
    long used = (t - now > 0 ? t : now) - now;
    return (int) Math.max(0, (tolerance - used) / interval);
  }

  /** {@return how many callers wait right now (a snapshot)} */
  public int waiting() {
    return turnstile.queued();
  }

  /** {@return the time between two permits at the steady rate (rounded up to a nanosecond)} */
  public Duration emissionInterval() {
    return Duration.ofNanos(interval);
  }

  /** {@return the burst: how many permits an idle limiter admits at once} */
  public int burst() {
    return burst;
  }

  /** {@return this limiter's name} */
  public String name() {
    return name;
  }

  TimeSource timeSource() {
    return time;
  }

  boolean isRetired() {
    return tat == RETIRED;
  }

  /**
   * Retires this limiter if its bucket is full and nobody waits: it is then indistinguishable from
   * a new one, so a keyed limiter may drop it. A retired limiter admits no one.
   */
  boolean retireIfIdle() {
    boolean[] done = {false};
    turnstile.ifNoWaiters(() -> {
      long t = tat;
      done[0] = t != RETIRED && t - time.read() <= 0 && TAT.compareAndSet(this, t, RETIRED);
    });
    return done[0];
  }

  @Override
  public String toString() {
    return "RateLimiter['"
        + name
        + "', every "
        + Duration.ofNanos(interval)
        + ", burst "
        + burst
        + ", "
        + turnstile.queued()
        + " waiting]";
  }

  private void checkCount(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1, was " + permits);
    }
    if (permits > burst) {
      throw new IllegalArgumentException(
          "permits must be <= the burst " + burst + " of '" + name + "', was " + permits);
    }
  }

  /** The GCRA rule, as the turnstile's head asks it. */
  private final class Gcra implements Turnstile.Admission {
    @Override
    public long tryAdmit(int n, long now) {
      long need = n * interval;
      while (true) {
        long t = tat;
        if (t == RETIRED) {
          return now + tolerance; // unreachable while someone waits; park briefly and re-check
        }
        long next = (t - now > 0 ? t : now) + need;
        if (next - now > tolerance) {
          return next - tolerance;
        }
        if (TAT.compareAndSet(RateLimiter.this, t, next)) {
          return Turnstile.ADMITTED;
        }
      }
    }

    @Override
    public long estimate(int ahead, int n, long now) {
      long t = tat;
      long base = t == RETIRED || t - now <= 0 ? now : t;
      return base + (ahead + (long) n) * interval - tolerance;
    }

    @Override
    public boolean isRetired() {
      return tat == RETIRED;
    }
  }

  /**
   * Builds a {@link RateLimiter}; each setter validates at once. Not thread-safe; build once.
   *
   * {@snippet :
   * RateLimiter github = RateLimiter.builder().name("github").rate(5000, Duration.ofHours(1))
   *     .burst(100).build();
   * }
   */
  public static final class Builder extends FlowBuilder<Builder> {
    private long interval = 1_000_000_000L;
    private int burst = 1;

    private Builder() {
      super("rate-limiter");
    }

    /**
     * Sets the steady rate in permits per second.
     *
     * @param permitsPerSecond the rate, in {@code (0, 1e9]}
     * @return this builder
     */
    public Builder perSecond(double permitsPerSecond) {
      if (!(permitsPerSecond > 0 && permitsPerSecond <= 1e9)) {
        throw new IllegalArgumentException(
            "permitsPerSecond must be in (0, 1e9], was " + permitsPerSecond);
      }
      this.interval = Math.max(1, (long) Math.ceil(1e9 / permitsPerSecond));
      return this;
    }

    /**
     * Sets the steady rate as {@code permits} per {@code period}.
     *
     * @param permits permits per period, {@code >= 1}
     * @param period the period, positive
     * @return this builder
     */
    public Builder rate(long permits, Duration period) {
      if (permits < 1) {
        throw new IllegalArgumentException("permits must be >= 1, was " + permits);
      }
      long nanos = TimeSource.saturatedNanos(Names.positive("period", period));
      this.interval = Math.max(1, ceilDiv(nanos, permits));
      return this;
    }

    /**
     * Sets the burst: how many permits an idle limiter admits at once.
     *
     * @param burst the burst, {@code >= 1}
     * @return this builder
     */
    public Builder burst(int burst) {
      this.burst = checkBurst(burst);
      return this;
    }

    /** {@return the limiter} */
    public RateLimiter build() {
      return new RateLimiter(name, time, listener, interval, burst);
    }

    static int checkBurst(int burst) {
      if (burst < 1) {
        throw new IllegalArgumentException("burst must be >= 1, was " + burst);
      }
      return burst;
    }

    private static long ceilDiv(long a, long b) {
      return -Math.floorDiv(-a, b);
    }
  }
}
