package dev.weft.flow;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;

/**
 * An {@code IntervalLimiter} starts at most <i>n</i> calls in any window of a given length: the
 * quota of APIs that say "100 requests per minute" (p-queue's {@code intervalCap}). Thread-safe;
 * share one instance. Waiting callers are served in arrival order; nobody busy-waits.
 *
 * {@snippet :
 * IntervalLimiter quota = IntervalLimiter.of(100, Duration.ofMinutes(1));
 * quota.acquire();   // at most 100 starts in any minute
 * }
 *
 * <p><b>Exactly what a window admits.</b> Any half-open window {@code [s, s + interval)} contains
 * at most <i>n</i> admissions, wherever it starts: a sliding window, remembered as the times of the
 * last <i>n</i> admissions (memory: <i>n</i> longs). A fixed window aligned to the clock (the
 * server's minute) therefore never sees more than <i>n</i> either, unlike a counter that resets at
 * window edges and can admit 2<i>n</i> across one. The price: after a burst of <i>n</i>, the next
 * start waits until the first of them is {@code interval} old. For a steady rate with a burst, use
 * {@link RateLimiter}.
 */
public final class IntervalLimiter {

  private final String name;
  private final TimeSource time;
  private final long interval;
  private final long[] starts; // ring of the last n admission readings, guarded by this
  private int next; // guarded by this: index of the oldest entry
  private int filled; // guarded by this
  private final Turnstile turnstile;

  private IntervalLimiter(Builder b) {
    this.name = b.name;
    this.time = b.time;
    this.interval = TimeSource.saturatedNanos(b.interval);
    this.starts = new long[b.limit];
    this.turnstile = new Turnstile(b.name, b.time, b.listener, new Window());
  }

  /**
   * {@return a limiter of at most {@code limit} starts per {@code interval}, on the system clock}
   *
   * @throws IllegalArgumentException if {@code limit < 1} or {@code interval} is not positive
   */
  public static IntervalLimiter of(int limit, Duration interval) {
    return builder().limit(limit).interval(interval).build();
  }

  /** {@return a builder; default 1 per second, name "interval-limiter"} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return whether a start is allowed now and nobody waits; takes it if so; never blocks} */
  public boolean tryAcquire() {
    if (turnstile.queued() != 0) {
      return false;
    }
    return admit(time.read()) == Turnstile.ADMITTED;
  }

  /**
   * Waits in FIFO order until a start is allowed.
   *
   * <p>Returns when admitted; throws {@link InterruptedException} (flag cleared, nothing taken) on
   * interrupt. There is no timeout: see {@link #tryAcquire(Duration)}.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void acquire() throws InterruptedException {
    if (!tryAcquire()) {
      turnstile.acquire(1, null);
    }
  }

  /**
   * Waits in FIFO order up to {@code timeout} for a start.
   *
   * <p>Returns {@code true} when admitted; {@code false} when the timeout passes first (or at once,
   * when the head of the queue finds the start cannot come in time); throws {@link
   * InterruptedException} (flag cleared, nothing taken) on interrupt.
   *
   * @param timeout how long to wait
   * @return whether a start was admitted
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean tryAcquire(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return tryAcquire() || turnstile.acquire(1, timeout) == Gate.Outcome.ACQUIRED;
  }

  /** {@return how many callers wait right now (a snapshot)} */
  public int waiting() {
    return turnstile.queued();
  }

  /** {@return the most starts in any window} */
  public int limit() {
    return starts.length;
  }

  /** {@return the window length} */
  public Duration interval() {
    return Duration.ofNanos(interval);
  }

  private synchronized long admit(long now) {
    if (filled < starts.length) {
      starts[(next + filled) % starts.length] = now;
      filled++;
      return Turnstile.ADMITTED;
    }
    long oldest = starts[next];
    if (now - oldest >= interval) {
      starts[next] = now;
      next = (next + 1) % starts.length;
      return Turnstile.ADMITTED;
    }
    return oldest + interval;
  }

  @Override
  public String toString() {
    return "IntervalLimiter['" + name + "', " + starts.length + " per " + interval() + "]";
  }

  private final class Window implements Turnstile.Admission {
    @Override
    public long tryAdmit(int n, long now) {
      return admit(now);
    }
  }

  /** Builds an {@link IntervalLimiter}; setters validate at once. Not thread-safe. */
  public static final class Builder extends FlowBuilder<Builder> {
    private int limit = 1;
    private Duration interval = Duration.ofSeconds(1);

    private Builder() {
      super("interval-limiter");
    }

    /**
     * Sets the most starts in any window.
     *
     * @param limit the cap, {@code >= 1}
     * @return this builder
     */
    public Builder limit(int limit) {
      this.limit = atLeastOne("limit", limit);
      return this;
    }

    /**
     * Sets the window length.
     *
     * @param interval the length, positive
     * @return this builder
     */
    public Builder interval(Duration interval) {
      this.interval = Names.positive("interval", interval);
      return this;
    }

    /** {@return the limiter} */
    public IntervalLimiter build() {
      return new IntervalLimiter(this);
    }
  }
}
