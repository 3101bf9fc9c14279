package dev.weft.policy;

import dev.weft.flow.Limiter;
import dev.weft.flow.Permit;
import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Limits how many calls run at once; a call that finds every permit taken waits up to a maximum
 * wait, in FIFO order, and is then refused with {@link BulkheadFullException}.
 *
 * <p>A call's permit is held until the call has really ended: if a {@link Timeout} inside the
 * bulkhead {@linkplain Timeout#withReturnEarly lets the caller go early}, the permit stays taken
 * until the abandoned work stops, so the limit counts the work actually running, not just the
 * callers waiting.
 *
 * <p>Built on a {@link Limiter} (its own, or one shared with other code through {@link
 * Builder#limiter(Limiter)}), so waiters are served in arrival order and the limiter's events and
 * gauges count the calls of the bulkhead.
 *
 * <p>This object is live state: thread-safe, shared by every call it limits. Memory consistency
 * effects: actions of a call before it releases its permit happen-before actions of the call that
 * next takes that permit. An interrupt while waiting throws {@link
 * dev.weft.task.CancelledException} with the interrupt flag set, holding no permit.
 *
 * {@snippet :
 * Bulkhead db = Bulkhead.builder().name("db").maxConcurrent(10).maxWait(Duration.ofMillis(100)).build();
 * List<Row> rows = db.call(() -> jdbc.query(sql));
 * }
 */
public final class Bulkhead implements Policy<Object> {

  private final String name;
  private final Duration maxWait;
  private final Listener listener;
  private final Limiter limiter;

  private Bulkhead(Builder b) {
    this.name = b.name;
    this.maxWait = b.maxWait;
    this.listener = b.listener;
    Limiter given = b.limiter;
    this.limiter =
        given != null
            ? given
            : Limiter.builder()
                .name(b.name)
                .limit(b.maxConcurrent)
                .timeSource(b.time)
                .listener(b.listener)
                .build();
  }

  /**
   * {@return a bulkhead of {@code maxConcurrent} calls that refuses at once when full}
   *
   * @param maxConcurrent at least 1
   */
  public static Bulkhead of(int maxConcurrent) {
    return builder().maxConcurrent(maxConcurrent).build();
  }

  /** {@return a builder} */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return the limit of concurrent calls} */
  public int maxConcurrent() {
    return limiter.limit();
  }

  /** {@return how many permits are taken now (abandoned work that still runs included)} */
  public int inUse() {
    return limiter.activeCount();
  }

  /** {@return the limiter that holds the permits} */
  public Limiter limiter() {
    return limiter;
  }

  @Override
  public String toString() {
    return "Bulkhead[" + name + ", " + inUse() + "/" + maxConcurrent() + " in use]";
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    Optional<Permit> taken;
    try {
      taken = maxWait.isZero() ? limiter.tryAcquire() : limiter.tryAcquire(maxWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Calls.interrupted(name, e);
    }
    if (taken.isEmpty()) {
      BulkheadFullException full = new BulkheadFullException(name, maxConcurrent(), maxWait);
      if (!listener.isNone()) {
        Listener.emit(
            listener, new PolicyEvent.CallRejected(name, String.valueOf(full.getMessage())));
      }
      throw full;
    }
    CallHold hold = new CallHold(taken.get()::close);
    try {
      return ScopedValue.where(CallHold.CURRENT, hold).call(work::call);
    } finally {
      hold.leave();
    }
  }

  /** Configures a {@link Bulkhead}. Not thread-safe; each setter validates at once. */
  public static final class Builder {
    private String name = "bulkhead";
    private int maxConcurrent = 25;
    private Duration maxWait = Duration.ZERO;
    private @Nullable Limiter limiter;
    private TimeSource time = TimeSource.system();
    private Listener listener = Listener.none();

    private Builder() {}

    /**
     * {@return this builder}
     *
     * @param name the name events and messages use; default "bulkhead"
     */
    public Builder name(String name) {
      this.name = Calls.requireName(name);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param maxConcurrent calls running at once; at least 1, default 25
     */
    public Builder maxConcurrent(int maxConcurrent) {
      if (maxConcurrent < 1) {
        throw new IllegalArgumentException("maxConcurrent must be >= 1, was " + maxConcurrent);
      }
      this.maxConcurrent = maxConcurrent;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param maxWait how long a call waits for a permit; default zero
     */
    public Builder maxWait(Duration maxWait) {
      Objects.requireNonNull(maxWait, "maxWait");
      if (maxWait.isNegative()) {
        throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
      }
      this.maxWait = maxWait;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param limiter takes the permits from this limiter, shared with its other users, instead of a
     *     new one of {@link #maxConcurrent(int)} permits (then ignored, as is the time source)
     */
    public Builder limiter(Limiter limiter) {
      this.limiter = Objects.requireNonNull(limiter, "limiter");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param time the clock timed waits run on
     */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param listener receives rejections
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** {@return a new bulkhead with every permit free} */
    public Bulkhead build() {
      return new Bulkhead(this);
    }
  }
}
