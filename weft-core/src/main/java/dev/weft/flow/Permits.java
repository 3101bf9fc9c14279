package dev.weft.flow;

import dev.weft.observe.Listener;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * {@code Permits} is a weighted counting semaphore with {@code use}: a task runs while it holds
 * some permits, which are returned on every path. Waiters are served strictly in FIFO order.
 * Thread-safe; share one instance. Memory consistency effects: actions before permits are released
 * happen-before actions after they are next acquired.
 *
 * {@snippet :
 * Permits db = Permits.of(10);
 * Rows rows = db.use(() -> jdbc.query(sql));          // released on every path
 * Optional<Rows> maybe = db.tryUse(Duration.ofMillis(50), () -> jdbc.query(sql));
 * try (Permit big = db.acquire(4)) {                  // by hand: close in try-with-resources
 *   bulkLoad();
 * }
 * }
 *
 * <p><b>Leak detection.</b> With {@link Builder#trackLeaks(boolean)} (or the system property {@code
 * weft.flow.trackLeaks=true}) every permit acquired by hand records the acquiring thread and stack.
 * {@link #unreleased()} lists the permits still held, with those stacks; a permit that is
 * garbage-collected without being closed is logged (as a {@code WARNING} of the {@code
 * dev.weft.flow} logger, with the acquiring stack), reported as {@link FlowEvent.PermitLeaked} and
 * given back. Tracking costs a stack trace per acquisition: it is for tests and debugging. Permits
 * held by {@link #use} are never leaked and are not tracked.
 *
 * <p>A request for more permits than the limit is rejected; a waiter whose request exceeds a limit
 * lowered later waits until the limit grows again, and blocks those behind it (FIFO). A limit of 0
 * pauses admission, as for {@link Limiter#setLimit(int)}: requests wait until the limit is raised,
 * and while paused they are checked against the last limit above 0 (the one in force before the
 * pause), so that pausing does not turn waiting callers into failing ones.
 */
public final class Permits {

  private static final System.Logger LOG = System.getLogger("dev.weft.flow");

  /**
   * The process-wide cleaner for tracked permits, made on first use. Its daemon thread is the JDK's
   * (not a {@code WeftThreads} one): it lives as long as the process, like the JDK's own reference
   * handler, and must not count as a thread leaked by the block that first tracked.
   */
  private static final class CleanerHolder {
    static final Cleaner CLEANER = Cleaner.create();
  }

  private final Gate gate;
  private final boolean trackLeaks;
  private final Set<Tracked> held = ConcurrentHashMap.newKeySet();

  private Permits(Builder b) {
    this.gate = new Gate(b.name, b.permits, b.time, b.listener);
    this.trackLeaks = b.trackLeaks;
  }

  /**
   * {@return {@code permits} permits on the system clock}
   *
   * @throws IllegalArgumentException if {@code permits < 1}
   */
  public static Permits of(int permits) {
    return builder().permits(permits).build();
  }

  /** {@return a builder; default 1 permit, name "permits", leak tracking per system property} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Acquires one permit, runs {@code task}, and releases the permit when it returns or throws. How
   * it returns: see {@link #use(int, ThrowingCallable)}.
   *
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the task's result
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting
   */
  public <T extends @Nullable Object, X extends Exception> T use(ThrowingCallable<T, X> task)
      throws X, InterruptedException {
    return use(1, task);
  }

  /**
   * Acquires {@code permits} permits (FIFO), runs {@code task}, and releases them when it returns
   * or throws.
   *
   * <p>Returns what the task returns; throws what it throws, unchanged; throws {@link
   * InterruptedException} (flag cleared, task not run, nothing held) if interrupted while waiting.
   *
   * @param permits how many, {@code 1..limit()} (while the limit is 0: up to the last limit above
   *     0)
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the task's result
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public <T extends @Nullable Object, X extends Exception> T use(
      int permits, ThrowingCallable<T, X> task) throws X, InterruptedException {
    checkCount(permits);
    return gate.call(permits, task);
  }

  /**
   * Runs {@code task} with one permit if it comes within {@code timeout}. How it returns: see
   * {@link #tryUse(int, Duration, ThrowingCallable)}.
   *
   * @param timeout how long to wait
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the result, or empty when no permit came in time
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting
   */
  public <T, X extends Exception> Optional<T> tryUse(
      Duration timeout, ThrowingCallable<? extends @Nullable T, X> task)
      throws X, InterruptedException {
    return tryUse(1, timeout, task);
  }

  /**
   * Runs {@code task} with {@code permits} permits if they come within {@code timeout}.
   *
   * <p>Returns the result (empty also when the task returned {@code null}); returns empty without
   * running the task when the timeout passes first (zero or negative: only free permits are taken);
   * throws what the task throws; throws {@link InterruptedException} (flag cleared, task not run,
   * nothing held) if interrupted while waiting.
   *
   * @param permits how many, {@code 1..limit()} (while the limit is 0: up to the last limit above
   *     0)
   * @param timeout how long to wait
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the result, or empty when the permits did not come in time
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting
   */
  public <T, X extends Exception> Optional<T> tryUse(
      int permits, Duration timeout, ThrowingCallable<? extends @Nullable T, X> task)
      throws X, InterruptedException {
    checkCount(permits);
    return gate.tryCall(permits, timeout, task);
  }

  /**
   * Waits (FIFO) for one permit; see {@link #acquire(int)}.
   *
   * @return the permit; close it to release
   * @throws InterruptedException if interrupted while waiting
   */
  public Permit acquire() throws InterruptedException {
    return acquire(1);
  }

  /**
   * Waits in FIFO order for {@code permits} permits.
   *
   * <p>Returns them as one {@link Permit} to close; throws {@link InterruptedException} (flag
   * cleared, nothing held) on interrupt. There is no timeout: see {@link #tryAcquire(int,
   * Duration)}.
   *
   * @param permits how many, {@code 1..limit()} (while the limit is 0: up to the last limit above
   *     0)
   * @return the permits; close to release
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public Permit acquire(int permits) throws InterruptedException {
    checkCount(permits);
    gate.acquire(permits, null);
    return handle(permits);
  }

  /** {@return one permit if free and nobody waits, else empty; never blocks} */
  public Optional<Permit> tryAcquire() {
    return tryAcquire(1);
  }

  /**
   * Takes {@code permits} permits if they are free and nobody waits; never blocks.
   *
   * @param permits how many, {@code 1..limit()} (while the limit is 0: up to the last limit above
   *     0)
   * @return the permits, or empty
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public Optional<Permit> tryAcquire(int permits) {
    checkCount(permits);
    // a failed fast attempt is decided again under the gate's lock: the check above may have read
    // the limit of a setLimit in progress and the attempt its count of free permits from before
    return gate.tryAcquire(permits) || gate.tryAcquireChecked(permits, () -> checkCount(permits))
        ? Optional.of(handle(permits))
        : Optional.empty();
  }

  /**
   * Waits up to {@code timeout} for one permit; see {@link #tryAcquire(int, Duration)}.
   *
   * @param timeout how long to wait
   * @return the permit, or empty on timeout
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<Permit> tryAcquire(Duration timeout) throws InterruptedException {
    return tryAcquire(1, timeout);
  }

  /**
   * Waits up to {@code timeout}, in FIFO order, for {@code permits} permits.
   *
   * <p>Returns them when granted; returns empty when the timeout passes first (permits granted at
   * that very moment are handed to the next waiter, never lost; zero or negative timeout: only free
   * permits are taken); throws {@link InterruptedException} (flag cleared, nothing held) on
   * interrupt.
   *
   * @param permits how many, {@code 1..limit()} (while the limit is 0: up to the last limit above
   *     0)
   * @param timeout how long to wait
   * @return the permits, or empty on timeout
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code permits} is out of range
   */
  public Optional<Permit> tryAcquire(int permits, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    checkCount(permits);
    return gate.acquire(permits, timeout) == Gate.Outcome.ACQUIRED
        ? Optional.of(handle(permits))
        : Optional.empty();
  }

  /** {@return permits free right now (negative after the limit was lowered below use)} */
  public int available() {
    return gate.availableLocked();
  }

  /** {@return permits held right now (a snapshot)} */
  public int inUse() {
    return gate.inUse();
  }

  /** {@return how many callers wait right now (a snapshot)} */
  public int waiting() {
    return gate.queued();
  }

  /** {@return the current limit} */
  public int limit() {
    return gate.limitLocked();
  }

  /**
   * Changes the limit; see {@link Limiter#setLimit(int)} for the rules. Zero pauses admission:
   * requests wait until the limit is raised, and are checked meanwhile against the last limit above
   * 0.
   *
   * @param limit the new limit, {@code >= 0}
   * @throws IllegalArgumentException if {@code limit < 0}
   */
  public void setLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, was " + limit);
    }
    int old = gate.setLimit(limit);
    if (old != limit && !gate.listener.isNone()) {
      Listener.emit(gate.listener, new FlowEvent.LimitChanged(gate.name, old, limit));
    }
  }

  /**
   * {@return the permits acquired by hand and not yet released, each with the acquiring thread and
   * stack; always empty unless leak tracking is on}
   */
  public List<HeldPermit> unreleased() {
    return held.stream().map(t -> t.info).toList();
  }

  /** {@return whether leak tracking is on} */
  public boolean tracksLeaks() {
    return trackLeaks;
  }

  /** {@return this semaphore's name} */
  public String name() {
    return gate.name;
  }

  @Override
  public String toString() {
    return "Permits['"
        + gate.name
        + "', "
        + gate.available()
        + " of "
        + gate.limit()
        + " free, "
        + gate.queued()
        + " waiting]";
  }

  private void checkCount(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1, was " + permits);
    }
    int limit = gate.limit();
    if (limit == 0) {
      int bound = gate.lastOpenLimit();
      if (permits > bound) {
        throw new IllegalArgumentException(
            "permits must be <= "
                + bound
                + ", the limit of '"
                + gate.name
                + "' before it was paused at 0, was "
                + permits);
      }
    } else if (permits > limit) {
      throw new IllegalArgumentException(
          "permits must be <= the limit " + limit + " of '" + gate.name + "', was " + permits);
    }
  }

  private Permit handle(int permits) {
    if (!trackLeaks) {
      return new Gate.Held(gate, permits);
    }
    Tracked state =
        new Tracked(
            this,
            new HeldPermit(
                permits,
                Thread.currentThread().getName(),
                new Throwable("permits of '" + gate.name + "' acquired here")));
    held.add(state);
    TrackedPermit permit = new TrackedPermit(state);
    permit.cleanable = CleanerHolder.CLEANER.register(permit, state);
    return permit;
  }

  /**
   * A permit held by hand, as listed by {@link #unreleased()}.
   *
   * @param permits how many permits
   * @param thread the name of the thread that acquired them
   * @param acquiredAt a throwable whose stack trace shows where they were acquired
   */
  public record HeldPermit(int permits, String thread, Throwable acquiredAt) {}

  /** The cleaning action: must not refer to the permit it cleans. */
  private static final class Tracked implements Runnable {
    final Permits owner;
    final HeldPermit info;
    final AtomicBoolean released = new AtomicBoolean();

    Tracked(Permits owner, HeldPermit info) {
      this.owner = owner;
      this.info = info;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        owner.held.remove(this);
        owner.gate.release(info.permits());
      }
    }

    @Override
    public void run() {
      if (released.get()) {
        return;
      }
      Gate gate = owner.gate;
      LOG.log(
          System.Logger.Level.WARNING,
          info.permits()
              + " permit(s) of '"
              + gate.name
              + "' acquired by thread '"
              + info.thread()
              + "' were never released; giving them back",
          info.acquiredAt());
      if (!gate.listener.isNone()) {
        Listener.emit(
            gate.listener,
            new FlowEvent.PermitLeaked(
                gate.name, info.permits(), info.thread(), info.acquiredAt()));
      }
      release();
    }
  }

  private static final class TrackedPermit implements Permit {
    private final Tracked state;
    Cleaner.@Nullable Cleanable cleanable;

    TrackedPermit(Tracked state) {
      this.state = state;
    }

    @Override
    public int count() {
      return state.info.permits();
    }

    @Override
    public boolean isReleased() {
      return state.released.get();
    }

    @Override
    public void close() {
      state.release();
      Cleaner.@Nullable Cleanable c = cleanable;
      if (c != null) {
        c.clean(); // runs state.run(), which sees it released and does nothing
      }
    }
  }

  /**
   * Builds {@link Permits}; each setter validates at once. Not thread-safe; build once.
   *
   * {@snippet :
   * Permits db = Permits.builder().name("db").permits(10).trackLeaks(true).build();
   * }
   */
  public static final class Builder extends FlowBuilder<Builder> {
    private int permits = 1;
    private boolean trackLeaks = Boolean.getBoolean("weft.flow.trackLeaks");

    private Builder() {
      super("permits");
    }

    /**
     * Sets how many permits there are.
     *
     * @param permits the limit, {@code >= 1}
     * @return this builder
     */
    public Builder permits(int permits) {
      this.permits = atLeastOne("permits", permits);
      return this;
    }

    /**
     * Turns leak tracking on or off (default: the system property {@code weft.flow.trackLeaks}).
     *
     * @param trackLeaks whether to record where each permit acquired by hand was acquired
     * @return this builder
     */
    public Builder trackLeaks(boolean trackLeaks) {
      this.trackLeaks = trackLeaks;
      return this;
    }

    /** {@return the permits} */
    public Permits build() {
      return new Permits(this);
    }
  }
}
