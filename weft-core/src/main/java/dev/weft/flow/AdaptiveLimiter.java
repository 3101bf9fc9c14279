package dev.weft.flow;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An {@code AdaptiveLimiter} is a concurrency limit that finds its own value: it grows while
 * latency stays near the no-load latency and shrinks when latency rises or calls fail, between a
 * minimum and a maximum (the idea of Netflix's concurrency-limits, TCP congestion control applied
 * to calls). Thread-safe; share one instance. Waiting callers are admitted in FIFO order, as by a
 * {@link Limiter}; memory consistency effects as for {@link Limiter}.
 *
 * {@snippet :
 * AdaptiveLimiter db = AdaptiveLimiter.builder().name("db").minLimit(2).maxLimit(200).build();
 * Rows rows = db.call(() -> jdbc.query(sql));          // measured; a throw counts as an overload
 * Optional<Rows> maybe = db.tryCall(Duration.ofMillis(20), () -> jdbc.query(sql));
 * }
 *
 * <p>Each call is a sample: its latency, how many calls were in flight when it started, and whether
 * it was dropped (it threw, or {@link Token#dropped()} was called). Two algorithms:
 *
 * <ul>
 *   <li>{@link Algorithm#aimd(double, Duration)}: additive increase (one per window, as TCP's one
 *       per round trip), multiplicative decrease on a drop or a sample slower than a latency
 *       threshold.
 *   <li>{@link Algorithm#gradient(double, double)} (default): each window of samples, the limit
 *       moves toward {@code limit * gradient + queue}, where {@code gradient = tolerance * baseline
 *       / shortest} clamped to [0.5, 1], {@code shortest} the window's shortest latency, {@code
 *       baseline} the no-load latency and {@code queue = max(1, ln(limit))} the queue allowed to
 *       build at the server (Vegas's and Gradient2's "queue size"). A queue at the server delays
 *       every call, so it lifts the window's shortest latency; noise delays only some calls, so it
 *       hardly does (comparing a mean with a minimum, as Vegas does, mistakes noise for queueing).
 *       With the default tolerance of 1 the limit settles where about {@code queue} calls wait
 *       beyond what the server runs at once: just above its capacity. A larger tolerance lets
 *       latency grow to that many times the baseline, for servers whose latency is noisy even
 *       unloaded.
 * </ul>
 *
 * A dropped call shrinks the limit by a tenth under either algorithm (AIMD: by its ratio).
 *
 * <p>Two known drifts are designed out. Gradient2 takes as baseline a long average of latency, so
 * under sustained overload the baseline rises with the latency, the gradient stays near 1 and the
 * limit creeps upward; Vegas re-probes its no-load latency under load and so ratchets the baseline
 * upward. Here the baseline is the lowest latency seen over the limiter's whole life, and it moves
 * up (slowly) only on samples that ran alone (one call in flight), which load cannot produce.
 * Neither algorithm grows the limit while less than half of it is used (an idle limit says nothing
 * about capacity). The price of a whole-life minimum: if the service becomes lastingly faster and
 * then slower again, the limit stays low until calls run alone again.
 */
public final class AdaptiveLimiter {

  /** How the limit reacts to samples. Immutable values. */
  public sealed interface Algorithm {

    /**
     * {@return additive increase, multiplicative decrease}
     *
     * @param backoffRatio the factor applied on overload, in (0.5, 1)
     * @param latencyThreshold a sample slower than this counts as an overload
     */
    static Algorithm aimd(double backoffRatio, Duration latencyThreshold) {
      return new Aimd(backoffRatio, latencyThreshold);
    }

    /** {@return the gradient algorithm with a tolerance of 1 and a smoothing of 0.2} */
    static Algorithm gradient() {
      return new Gradient(1, 0.2);
    }

    /**
     * {@return the gradient algorithm}
     *
     * @param tolerance how many times the baseline latency is tolerated before shrinking, {@code >=
     *     1}
     * @param smoothing how far each sample moves the limit toward its target, in (0, 1]
     */
    static Algorithm gradient(double tolerance, double smoothing) {
      return new Gradient(tolerance, smoothing);
    }
  }

  /**
   * Additive increase, multiplicative decrease.
   *
   * @param backoffRatio the factor applied on overload
   * @param latencyThreshold a sample slower than this counts as an overload
   */
  public record Aimd(double backoffRatio, Duration latencyThreshold) implements Algorithm {
    /** Validates the settings. */
    public Aimd {
      if (!(backoffRatio > 0.5 && backoffRatio < 1)) {
        throw new IllegalArgumentException("backoffRatio must be in (0.5, 1), was " + backoffRatio);
      }
      Names.positive("latencyThreshold", latencyThreshold);
    }
  }

  /**
   * The gradient algorithm with a lowest-latency baseline.
   *
   * @param tolerance how many times the baseline latency is tolerated before shrinking
   * @param smoothing how far each sample moves the limit toward its target
   */
  public record Gradient(double tolerance, double smoothing) implements Algorithm {
    /** Validates the settings. */
    public Gradient {
      if (!(tolerance >= 1 && tolerance <= 10)) {
        throw new IllegalArgumentException("tolerance must be in [1, 10], was " + tolerance);
      }
      if (!(smoothing > 0 && smoothing <= 1)) {
        throw new IllegalArgumentException("smoothing must be in (0, 1], was " + smoothing);
      }
    }
  }

  /** The gradient algorithm's factor on a dropped call. */
  private static final double DROP_RATIO = 0.9;

  /** A window of samples lasts at least this long and two mean latencies. */
  private static final long MIN_WINDOW = 1_000_000; // 1 ms

  /** A window of samples holds at least this many. */
  private static final int MIN_SAMPLES = 10;

  /** How fast an unloaded sample may raise the baseline (fraction of the difference). */
  private static final double BASELINE_RISE = 0.05;

  private final Gate gate;
  private final Algorithm algorithm;
  private final int minLimit;
  private final int maxLimit;
  private final TimeSource time;

  // guarded by this
  private double limit;
  private long baseline; // 0 until the first sample
  private long recent; // the last window's mean latency; 0 until the first window closes
  private long windowStart;
  private int windowCount;
  private long windowRttSum;
  private long windowMinRtt;
  private int windowMaxInFlight;
  private boolean windowDropped;

  private AdaptiveLimiter(Builder b) {
    this.gate = new Gate(b.name, b.initialLimit, b.time, b.listener);
    this.algorithm = b.algorithm;
    this.minLimit = b.minLimit;
    this.maxLimit = b.maxLimit;
    this.time = b.time;
    this.limit = b.initialLimit;
  }

  /** {@return a builder: gradient, limits 1..1000 starting at 20, name "adaptive-limiter"} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code task} once admitted (FIFO), and records its latency as a sample; a throw counts as
   * a drop.
   *
   * <p>Returns what the task returns; throws what it throws, unchanged; throws {@link
   * InterruptedException} (flag cleared, task not run) if interrupted while waiting. For a timeout,
   * see {@link #tryCall(Duration, ThrowingCallable)}.
   *
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the task's result
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting
   */
  public <T extends @Nullable Object, X extends Exception> T call(ThrowingCallable<T, X> task)
      throws X, InterruptedException {
    Objects.requireNonNull(task, "task");
    return run(acquire(), task);
  }

  /**
   * Runs {@code task} if admitted within {@code timeout}, recording a sample.
   *
   * <p>Returns the result (empty also for a {@code null} result); returns empty without running the
   * task when the timeout passes first; throws what the task throws; throws {@link
   * InterruptedException} (flag cleared, task not run) if interrupted while waiting.
   *
   * @param timeout how long to wait for admission
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the result, or empty when not admitted in time
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting
   */
  public <T, X extends Exception> Optional<T> tryCall(
      Duration timeout, ThrowingCallable<? extends @Nullable T, X> task)
      throws X, InterruptedException {
    Objects.requireNonNull(task, "task");
    Optional<Token> token = tryAcquire(timeout);
    if (token.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(run(token.get(), task));
  }

  private <T extends @Nullable Object, X extends Exception> T run(
      Token token, ThrowingCallable<T, X> task) throws X {
    boolean ok = false;
    try {
      T result = task.call();
      ok = true;
      return result;
    } finally {
      if (ok) {
        token.success();
      } else {
        token.dropped();
      }
    }
  }

  /**
   * Waits in FIFO order for admission and returns a token to report the outcome with.
   *
   * <p>Returns the token; throws {@link InterruptedException} (flag cleared, nothing held) on
   * interrupt.
   *
   * @return the token; call exactly one of its outcome methods (or close it to ignore)
   * @throws InterruptedException if interrupted while waiting
   */
  public Token acquire() throws InterruptedException {
    gate.acquire(1, null);
    return token();
  }

  /** {@return a token if a permit is free and nobody waits, else empty; never blocks} */
  public Optional<Token> tryAcquire() {
    return gate.tryAcquire(1) ? Optional.of(token()) : Optional.empty();
  }

  /**
   * Waits up to {@code timeout}, in FIFO order, for admission.
   *
   * <p>Returns the token when admitted; returns empty when the timeout passes first (a permit
   * granted at that moment passes to the next waiter); throws {@link InterruptedException} (flag
   * cleared, nothing held) on interrupt.
   *
   * @param timeout how long to wait
   * @return the token, or empty on timeout
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<Token> tryAcquire(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    return gate.acquire(1, timeout) == Gate.Outcome.ACQUIRED
        ? Optional.of(token())
        : Optional.empty();
  }

  private Token token() {
    return new Token(this, time.read(), gate.inUseRacy()); // no lock on the fast path
  }

  /** {@return the current limit} */
  public int limit() {
    return gate.limit();
  }

  /** {@return how many calls are admitted right now (a snapshot)} */
  public int inFlight() {
    return gate.inUse();
  }

  /** {@return the no-load latency estimate (zero before the first sample)} */
  public synchronized Duration baselineLatency() {
    return Duration.ofNanos(baseline);
  }

  /** {@return this limiter's name} */
  public String name() {
    return gate.name;
  }

  @Override
  public String toString() {
    return "AdaptiveLimiter['" + gate.name + "', limit " + gate.limit() + "]";
  }

  private void sample(long rtt, int inFlight, boolean dropped) {
    int oldInt;
    int newInt;
    synchronized (this) {
      long now = time.read();
      rtt = Math.max(1, rtt);
      if (baseline == 0 || rtt < baseline) {
        baseline = rtt;
      } else if (inFlight <= 1 && !dropped) {
        baseline += (long) ((rtt - baseline) * BASELINE_RISE); // ran alone: a no-load sample
      }
      if (windowCount == 0) {
        windowStart = now;
      }
      windowCount++;
      windowRttSum += rtt;
      windowMinRtt = windowCount == 1 ? rtt : Math.min(windowMinRtt, rtt);
      windowMaxInFlight = Math.max(windowMaxInFlight, inFlight);
      windowDropped |= dropped;
      long length = Math.max(MIN_WINDOW, 2 * (recent > 0 ? recent : rtt));
      if (windowCount < MIN_SAMPLES || now - windowStart < length) {
        return;
      }
      recent = windowRttSum / windowCount;
      long shortest = windowMinRtt; // a queue delays every call of the window, noise only some
      boolean appLimited = windowMaxInFlight * 2 < limit;
      boolean overloaded = windowDropped;
      windowCount = 0;
      windowRttSum = 0;
      windowMaxInFlight = 0;
      windowDropped = false;

      oldInt = (int) Math.round(limit);
      double next = limit;
      switch (algorithm) {
        case Aimd a -> {
          if (overloaded || recent > TimeSource.saturatedNanos(a.latencyThreshold())) {
            next = limit * a.backoffRatio();
          } else if (!appLimited) {
            next = limit + 1;
          }
        }
        case Gradient g -> {
          if (overloaded) {
            next = limit * DROP_RATIO; // the gradient alone barely moves a small limit
          } else {
            double gradient =
                Math.max(0.5, Math.min(1, g.tolerance() * baseline / (double) shortest));
            double target = limit * gradient + Math.max(1, Math.log(limit)); // + queue allowed
            double smoothed = limit * (1 - g.smoothing()) + target * g.smoothing();
            next = appLimited ? Math.min(limit, smoothed) : smoothed;
          }
        }
      }
      limit = Math.max(minLimit, Math.min(maxLimit, next));
      newInt = (int) Math.round(limit);
      if (newInt != oldInt) {
        gate.setLimit(newInt); // under this monitor so that limit changes apply in order
      }
    }
    if (newInt != oldInt && !gate.listener.isNone()) {
      Listener.emit(gate.listener, new FlowEvent.LimitChanged(gate.name, oldInt, newInt));
    }
  }

  /**
   * One admitted call: report its outcome exactly once, which releases the permit and feeds the
   * algorithm. Closing a token without an outcome ignores it (releases, no sample). Thread-safe.
   */
  public static final class Token implements AutoCloseable {
    private static final VarHandle DONE;

    static {
      try {
        DONE = MethodHandles.lookup().findVarHandle(Token.class, "done", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final AdaptiveLimiter owner;
    private final long start;
    private final int inFlight;

    @SuppressWarnings("unused") // written through DONE
    private volatile boolean done;

    private Token(AdaptiveLimiter owner, long start, int inFlight) {
      this.owner = owner;
      this.start = start;
      this.inFlight = inFlight;
    }

    /** The call succeeded: its latency is a sample. Later outcome calls do nothing. */
    public void success() {
      finish(false, true);
    }

    /** The call was dropped or failed from overload: the limit shrinks. */
    public void dropped() {
      finish(true, true);
    }

    /** The call says nothing about capacity (e.g. a validation error): no sample. */
    public void ignore() {
      finish(false, false);
    }

    /** Same as {@link #ignore()} unless an outcome was already reported. */
    @Override
    public void close() {
      ignore();
    }

    private void finish(boolean dropped, boolean sample) {
      if (DONE.compareAndSet(this, false, true)) {
        try {
          if (sample) {
            owner.sample(owner.time.read() - start, inFlight, dropped);
          }
        } finally {
          owner.gate.release(1);
        }
      }
    }
  }

  /** Builds an {@link AdaptiveLimiter}; setters validate at once. Not thread-safe. */
  public static final class Builder extends FlowBuilder<Builder> {
    private int initialLimit = 20;
    private int minLimit = 1;
    private int maxLimit = 1000;
    private Algorithm algorithm = Algorithm.gradient();

    private Builder() {
      super("adaptive-limiter");
    }

    /**
     * Sets the starting limit.
     *
     * @param initialLimit {@code >= 1}
     * @return this builder
     */
    public Builder initialLimit(int initialLimit) {
      this.initialLimit = atLeastOne("initialLimit", initialLimit);
      return this;
    }

    /**
     * Sets the lowest the limit may go.
     *
     * @param minLimit {@code >= 1}
     * @return this builder
     */
    public Builder minLimit(int minLimit) {
      this.minLimit = atLeastOne("minLimit", minLimit);
      return this;
    }

    /**
     * Sets the highest the limit may go.
     *
     * @param maxLimit {@code >= 1}
     * @return this builder
     */
    public Builder maxLimit(int maxLimit) {
      this.maxLimit = atLeastOne("maxLimit", maxLimit);
      return this;
    }

    /**
     * Sets the algorithm.
     *
     * @param algorithm {@link Algorithm#gradient()} by default
     * @return this builder
     */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
      return this;
    }

    /**
     * {@return the limiter}
     *
     * @throws IllegalArgumentException if {@code minLimit <= initialLimit <= maxLimit} fails
     */
    public AdaptiveLimiter build() {
      if (minLimit > maxLimit) {
        throw new IllegalArgumentException(
            "minLimit must be <= maxLimit " + maxLimit + ", was " + minLimit);
      }
      if (initialLimit < minLimit || initialLimit > maxLimit) {
        throw new IllegalArgumentException(
            "initialLimit must be in [" + minLimit + ", " + maxLimit + "], was " + initialLimit);
      }
      return new AdaptiveLimiter(this);
    }
  }
}
