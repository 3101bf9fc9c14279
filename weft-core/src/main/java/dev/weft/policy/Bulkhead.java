package dev.weft.policy;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Limits how many calls run at once; a call that finds every permit taken waits up to a maximum
 * wait, in FIFO order, and is then refused with {@link BulkheadFullException}.
 *
 * <p>A call's permit is held until the call has really ended: if a {@link Timeout} inside the
 * bulkhead {@linkplain Timeout#returnEarly lets the caller go early}, the permit stays taken until
 * the abandoned work stops, so the limit counts the work actually running, not just the callers
 * waiting.
 *
 * <p>This object is live state: thread-safe, shared by every call it limits. Memory consistency
 * effects: actions of a call before it releases its permit happen-before actions of the call that
 * next takes that permit. An interrupt while waiting throws {@link
 * java.util.concurrent.CancellationException} with the interrupt flag set, holding no permit.
 *
 * {@snippet :
 * Bulkhead db = Bulkhead.builder().name("db").maxConcurrent(10).maxWait(Duration.ofMillis(100)).build();
 * List<Row> rows = db.call(() -> jdbc.query(sql));
 * }
 */
public final class Bulkhead implements Policy<Object> {

  private final String name;
  private final int maxConcurrent;
  private final long maxWaitNanos;
  private final TimeSource time;
  private final Listener listener;
  private final PermitGate gate;

  private Bulkhead(Builder b) {
    this.name = b.name;
    this.maxConcurrent = b.maxConcurrent;
    this.maxWaitNanos = b.maxWaitNanos;
    this.time = b.time;
    this.listener = b.listener;
    this.gate = new PermitGate(maxConcurrent);
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
    return maxConcurrent;
  }

  /** {@return how many permits are taken now (abandoned work that still runs included)} */
  public int inUse() {
    return gate.inUse();
  }

  @Override
  public String toString() {
    return "Bulkhead[" + name + ", " + inUse() + "/" + maxConcurrent + " in use]";
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    boolean taken;
    try {
      taken = gate.acquire(maxWaitNanos, time);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Calls.interrupted(name, e);
    }
    if (!taken) {
      BulkheadFullException full =
          new BulkheadFullException(name, maxConcurrent, Duration.ofNanos(maxWaitNanos));
      if (!listener.isNone()) {
        Listener.emit(
            listener, new PolicyEvent.CallRejected(name, String.valueOf(full.getMessage())));
      }
      throw full;
    }
    CallHold hold = new CallHold(gate::release);
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
    private long maxWaitNanos;
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
      this.maxWaitNanos = TimeSource.saturatedNanos(maxWait);
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
