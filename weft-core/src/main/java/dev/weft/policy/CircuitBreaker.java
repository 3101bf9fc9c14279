package dev.weft.policy;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A circuit breaker: stops calling a dependency that keeps failing, and tries it again later.
 *
 * <p>{@link State#CLOSED CLOSED}, calls run and their outcomes fill a sliding window (the last
 * {@code n} calls, or the calls of the last {@code d}); once the window holds at least the minimum
 * number of calls and the failure rate or the slow-call rate reaches its threshold, the breaker
 * opens. {@link State#OPEN OPEN}, calls fail at once with {@link CircuitOpenException} until the
 * open period ends; then the breaker is {@link State#HALF_OPEN HALF_OPEN} and lets a number of
 * trial calls through: if their rates stay under the thresholds it closes with an empty window,
 * otherwise it opens again. {@link #forceOpen()} holds it {@link State#FORCED_OPEN FORCED_OPEN}
 * until {@link #reset()}, which closes it from any state. Each change emits {@link
 * PolicyEvent.BreakerStateChanged}; each rejection {@link PolicyEvent.CallRejected}.
 *
 * <p>A failure is an exception the breaker {@linkplain Builder#recordOn records} (by default every
 * exception except {@link BulkheadFullException} and cancellations) or a result it {@linkplain
 * Builder#recordResult rejects}; other exceptions pass through and are not counted.
 *
 * <p>This object is the breaker's live state: thread-safe, meant to be shared by every call to one
 * dependency (one per host: see {@link CircuitBreakerRegistry}). Its settings are immutable. No
 * lock is held while the work runs. Memory consistency effects: recording an outcome happens-before
 * a state change it causes is seen by other calls.
 *
 * {@snippet :
 * CircuitBreaker breaker = CircuitBreaker.builder()
 *     .name("payments")
 *     .failureRate(0.5).window(100).minimumCalls(20)
 *     .slowCalls(Duration.ofSeconds(2), 0.8)
 *     .openFor(Duration.ofSeconds(30)).halfOpenTrials(5)
 *     .build();
 * Receipt receipt = breaker.call(() -> payments.charge(order));
 * }
 */
public final class CircuitBreaker implements Policy<Object> {

  /*
   * Overview for maintainers. The state is one immutable Phase in an AtomicReference; a transition
   * is a compareAndSet from the phase a thread saw, so of two threads that both see a window trip
   * only one opens the breaker and emits the event. A call takes the phase current at its start
   * and records its outcome into that phase's window: CLOSED and HALF_OPEN phases each own a fresh
   * window, so outcomes of calls that started in an older phase land in a discarded window and
   * cannot disturb the current one. Windows are synchronized; the lock is held only to count,
   * never while user code runs. HALF_OPEN admits trials with an atomic counter of slots taken,
   * kept in [0, halfOpenTrials]: a call takes a slot only by a compareAndSet below the limit (a
   * rejected call never touches the counter), and a trial whose outcome is not recorded (ignored
   * or cancelled exception, interrupt, Error, a failing result predicate) gives its slot back
   * exactly once, from execute's finally block. So trials admitted = slots taken = outcomes
   * recorded + trials still running, and the breaker cannot stick in HALF_OPEN. OPEN
   * moves to HALF_OPEN lazily, when a call or state() sees that the open period has ended.
   */

  /** The breaker's states; {@link #canMoveTo(State)} is its one transition table. */
  public enum State {
    /** Calls run and are counted. */
    CLOSED,
    /** Calls are rejected until the open period ends. */
    OPEN,
    /** A few trial calls run; their outcome closes or re-opens the breaker. */
    HALF_OPEN,
    /** Calls are rejected until {@link CircuitBreaker#reset()}. */
    FORCED_OPEN;

    /** {@return whether the breaker may move from this state to {@code next}} */
    public boolean canMoveTo(State next) {
      return switch (this) {
        case CLOSED -> next == OPEN || next == FORCED_OPEN;
        case OPEN -> next == HALF_OPEN || next == CLOSED || next == FORCED_OPEN;
        case HALF_OPEN -> next == CLOSED || next == OPEN || next == FORCED_OPEN;
        case FORCED_OPEN -> next == CLOSED;
      };
    }
  }

  /**
   * What a breaker's window holds now.
   *
   * @param state the breaker's state
   * @param calls calls counted in the window (the trials, when half-open)
   * @param failures of which failed
   * @param slowCalls of which were slow
   */
  public record Metrics(State state, int calls, int failures, int slowCalls) {
    /** {@return failures / calls, 0 when no call was counted} */
    public double failureRate() {
      return calls == 0 ? 0 : failures / (double) calls;
    }

    /** {@return slow calls / calls, 0 when no call was counted} */
    public double slowCallRate() {
      return calls == 0 ? 0 : slowCalls / (double) calls;
    }
  }

  private static final class Phase {
    final State state;
    final @Nullable BreakerWindow window; // CLOSED, HALF_OPEN
    final long openUntil; // OPEN
    final @Nullable Metrics tripped; // OPEN: the counts that opened it
    final AtomicInteger trials = new AtomicInteger(); // HALF_OPEN: trials admitted

    Phase(State state, @Nullable BreakerWindow window, long openUntil, @Nullable Metrics tripped) {
      this.state = state;
      this.window = window;
      this.openUntil = openUntil;
      this.tripped = tripped;
    }
  }

  private final String name;
  private final double failureRate;
  private final double slowRate; // > 1: slow calls not judged
  private final long slowNanos;
  private final int windowCalls; // > 0: count window
  private final long windowNanos; // > 0: time window
  private final int minimumCalls;
  private final long openNanos;
  private final int halfOpenTrials;
  private final List<Predicate<? super Throwable>> recordOn;
  private final List<Predicate<? super Throwable>> ignoreOn;
  private final @Nullable Predicate<Object> recordResult;
  private final TimeSource time;
  private final Listener listener;
  private final boolean measureClosed;
  private final AtomicReference<Phase> phase;

  private CircuitBreaker(Builder b, int minimumCalls) {
    this.name = b.name;
    this.failureRate = b.failureRate;
    this.slowRate = b.slowRate;
    this.slowNanos = b.slowNanos;
    this.windowCalls = b.windowNanos > 0 ? 0 : b.windowCalls;
    this.windowNanos = b.windowNanos;
    this.minimumCalls = minimumCalls;
    this.openNanos = b.openNanos;
    this.halfOpenTrials = b.halfOpenTrials;
    this.recordOn = List.copyOf(b.recordOn);
    this.ignoreOn = List.copyOf(b.ignoreOn);
    this.recordResult = b.recordResult;
    this.time = b.time;
    this.listener = b.listener;
    this.measureClosed = slowRate <= 1.0 || windowNanos > 0;
    this.phase = new AtomicReference<>(closed());
  }

  /** {@return a builder} */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return the current state; an open breaker whose period ended reports HALF_OPEN} */
  public State state() {
    return current().state;
  }

  /** {@return the counts in the current window; when open, the counts that opened it} */
  public Metrics metrics() {
    return metricsOf(current());
  }

  /** Opens the breaker until {@link #reset()}, whatever its state. */
  public void forceOpen() {
    Phase p;
    do {
      p = phase.get();
      if (p.state == State.FORCED_OPEN) {
        return;
      }
    } while (!move(p, new Phase(State.FORCED_OPEN, null, 0, metricsOf(p))));
  }

  /** Closes the breaker with an empty window, whatever its state. */
  public void reset() {
    Phase p;
    do {
      p = phase.get();
    } while (!move(p, closed()));
  }

  @Override
  public String toString() {
    return "CircuitBreaker[" + name + ", " + metrics() + "]";
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    Phase p = acquire();
    boolean counted = false; // true once the outcome went to p's window: the slot stays used
    try {
      boolean measure = p.state == State.CLOSED ? measureClosed : slowRate <= 1.0;
      long start = measure && slowRate <= 1.0 ? time.read() : 0;
      Object result;
      try {
        result = work.call();
      } catch (Exception e) {
        if (records(e)) {
          counted = true;
          onOutcome(p, BreakerWindow.FAILURE, measure, start);
        }
        throw e;
      }
      Predicate<Object> reject = recordResult;
      byte outcome =
          reject != null && reject.test(result) ? BreakerWindow.FAILURE : BreakerWindow.SUCCESS;
      counted = true;
      onOutcome(p, outcome, measure, start);
      return result;
    } finally {
      if (!counted) {
        giveBack(p);
      }
    }
  }

  private Phase current() {
    Phase p = phase.get();
    if (p.state == State.OPEN && time.read() - p.openUntil >= 0) {
      move(p, halfOpen());
      return phase.get();
    }
    return p;
  }

  private Phase acquire() {
    while (true) {
      Phase p = phase.get();
      switch (p.state) {
        case CLOSED -> {
          return p;
        }
        case HALF_OPEN -> {
          if (takeTrial(p)) {
            return p;
          }
          throw reject(p, 0);
        }
        case OPEN -> {
          long now = time.read();
          if (now - p.openUntil < 0) {
            throw reject(p, p.openUntil - now);
          }
          move(p, halfOpen());
        }
        case FORCED_OPEN -> throw reject(p, -1);
      }
    }
  }

  private void onOutcome(Phase p, byte outcome, boolean measure, long start) {
    BreakerWindow w = p.window;
    if (w == null) {
      return;
    }
    long now = measure ? time.read() : 0;
    if (slowRate <= 1.0 && now - start >= slowNanos) {
      outcome |= BreakerWindow.SLOW;
    }
    boolean exceeded = w.record(outcome, now);
    if (p.state == State.CLOSED) {
      if (exceeded) {
        move(p, open(w.snapshot(State.CLOSED, now)));
      }
    } else {
      // judged on one snapshot, so that whichever trial's thread wins the move saw all trials
      Metrics m = w.snapshot(State.HALF_OPEN, now);
      if (m.calls() >= halfOpenTrials) {
        boolean bad =
            m.failures() >= failureRate * m.calls()
                || (slowRate <= 1.0 && m.slowCalls() >= slowRate * m.calls());
        move(p, bad ? open(m) : closed());
      }
    }
  }

  /** Takes a trial slot only if one is free, so a rejected call leaves the count untouched. */
  private boolean takeTrial(Phase p) {
    int taken;
    do {
      taken = p.trials.get();
      if (taken >= halfOpenTrials) {
        return false;
      }
    } while (!p.trials.compareAndSet(taken, taken + 1));
    return true;
  }

  /** Returns the slot of a trial whose outcome was not recorded: called once per such trial. */
  private void giveBack(Phase p) {
    if (p.state == State.HALF_OPEN) {
      p.trials.decrementAndGet();
    }
  }

  private boolean records(Exception e) {
    if (e instanceof CancellationException || e instanceof InterruptedException) {
      return false;
    }
    for (Predicate<? super Throwable> i : ignoreOn) {
      if (i.test(e)) {
        return false;
      }
    }
    if (recordOn.isEmpty()) {
      return !(e instanceof BulkheadFullException);
    }
    for (Predicate<? super Throwable> r : recordOn) {
      if (r.test(e)) {
        return true;
      }
    }
    return false;
  }

  private boolean move(Phase from, Phase to) {
    if (!from.state.canMoveTo(to.state)
        && !(from.state == State.CLOSED && to.state == from.state)) {
      throw new IllegalStateException(
          "breaker '" + name + "' cannot move from " + from.state + " to " + to.state);
    }
    if (!phase.compareAndSet(from, to)) {
      return false;
    }
    if (from.state != to.state && !listener.isNone()) {
      Listener.emit(listener, new PolicyEvent.BreakerStateChanged(name, from.state, to.state));
    }
    return true;
  }

  private CircuitOpenException reject(Phase p, long retryAfterNanos) {
    Metrics m = metricsOf(p);
    Duration retryAfter = retryAfterNanos < 0 ? null : Duration.ofNanos(retryAfterNanos);
    CircuitOpenException e =
        new CircuitOpenException(
            name,
            m,
            retryAfter,
            retryAfter == null ? null : time.wallTime().plus(retryAfter),
            halfOpenTrials);
    if (!listener.isNone()) {
      Listener.emit(listener, new PolicyEvent.CallRejected(name, String.valueOf(e.getMessage())));
    }
    return e;
  }

  private Metrics metricsOf(Phase p) {
    BreakerWindow w = p.window;
    if (w != null) {
      return w.snapshot(p.state, time.read());
    }
    Metrics m = p.tripped;
    return m != null ? new Metrics(p.state, m.calls(), m.failures(), m.slowCalls()) : empty(p);
  }

  private static Metrics empty(Phase p) {
    return new Metrics(p.state, 0, 0, 0);
  }

  private Phase closed() {
    BreakerWindow w =
        windowNanos > 0
            ? new BreakerWindow.Timed(windowNanos, time.read(), minimumCalls, failureRate, slowRate)
            : new BreakerWindow.Count(windowCalls, minimumCalls, failureRate, slowRate);
    return new Phase(State.CLOSED, w, 0, null);
  }

  private Phase halfOpen() {
    return new Phase(
        State.HALF_OPEN,
        new BreakerWindow.Count(halfOpenTrials, halfOpenTrials, failureRate, slowRate),
        0,
        null);
  }

  private Phase open(Metrics tripped) {
    return new Phase(State.OPEN, null, time.readAfter(Duration.ofNanos(openNanos)), tripped);
  }

  /** Configures a {@link CircuitBreaker}. Not thread-safe; each setter validates at once. */
  public static final class Builder {
    private String name = "breaker";
    private double failureRate = 0.5;
    private double slowRate = 2.0;
    private long slowNanos = Long.MAX_VALUE;
    private int windowCalls = 100;
    private long windowNanos;
    private boolean countWindowSet;
    private @Nullable Integer minimumCalls;
    private long openNanos = Duration.ofSeconds(30).toNanos();
    private int halfOpenTrials = 3;
    private final List<Predicate<? super Throwable>> recordOn = new ArrayList<>();
    private final List<Predicate<? super Throwable>> ignoreOn = new ArrayList<>();
    private @Nullable Predicate<Object> recordResult;
    private TimeSource time = TimeSource.system();
    private Listener listener = Listener.none();

    private Builder() {}

    /**
     * {@return this builder}
     *
     * @param name the name events and messages use; default "breaker"
     */
    public Builder name(String name) {
      this.name = Calls.requireName(name);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param rate opens at this failure rate, in (0, 1]; default 0.5
     */
    public Builder failureRate(double rate) {
      this.failureRate = rate("failureRate", rate);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param threshold a call that takes at least this long is slow; positive
     * @param rate opens at this slow-call rate, in (0, 1]. Default: slow calls are not judged
     */
    public Builder slowCalls(Duration threshold, double rate) {
      Objects.requireNonNull(threshold, "threshold");
      if (threshold.isNegative() || threshold.isZero()) {
        throw new IllegalArgumentException("threshold must be > 0, was " + threshold);
      }
      this.slowRate = rate("slowCallRate", rate);
      this.slowNanos = TimeSource.saturatedNanos(threshold);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param calls judges the last this many calls, 1 to 100,000; default 100
     */
    public Builder window(int calls) {
      if (calls < 1 || calls > 100_000) {
        throw new IllegalArgumentException("window must be in [1, 100000] calls, was " + calls);
      }
      this.windowCalls = calls;
      this.countWindowSet = true;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param span judges the calls of the last span of time; at least 10 ns
     */
    public Builder window(Duration span) {
      Objects.requireNonNull(span, "span");
      if (span.compareTo(Duration.ofNanos(BreakerWindow.Timed.BUCKETS)) < 0) {
        throw new IllegalArgumentException("window must be >= PT0.00000001S, was " + span);
      }
      this.windowNanos = TimeSource.saturatedNanos(span);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param calls judges nothing until the window holds this many calls; at least 1, at most the
     *     count window's size. Default 10, or the window's size if smaller
     */
    public Builder minimumCalls(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("minimumCalls must be >= 1, was " + calls);
      }
      this.minimumCalls = calls;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param period how long it stays open; positive, default 30 s
     */
    public Builder openFor(Duration period) {
      Objects.requireNonNull(period, "period");
      if (period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("openFor must be > 0, was " + period);
      }
      this.openNanos = TimeSource.saturatedNanos(period);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param trials trial calls when half-open; at least 1, default 3
     */
    public Builder halfOpenTrials(int trials) {
      if (trials < 1) {
        throw new IllegalArgumentException("halfOpenTrials must be >= 1, was " + trials);
      }
      this.halfOpenTrials = trials;
      return this;
    }

    /**
     * {@return this builder} Counts only these exceptions (and subtypes) as failures, once given.
     *
     * @param types exception types
     */
    @SafeVarargs
    public final Builder recordOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> t : types) {
        Objects.requireNonNull(t, "type");
        recordOn.add(t::isInstance);
      }
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param predicate counts the exceptions it accepts as failures
     */
    public Builder recordIf(Predicate<? super Throwable> predicate) {
      recordOn.add(Objects.requireNonNull(predicate, "predicate"));
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param types exceptions that are neither failures nor successes
     */
    @SafeVarargs
    public final Builder ignore(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> t : types) {
        Objects.requireNonNull(t, "type");
        ignoreOn.add(t::isInstance);
      }
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param predicate counts results it accepts as failures
     */
    public Builder recordResult(Predicate<Object> predicate) {
      this.recordResult = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param time the clock for windows, slow calls and open periods
     */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param listener receives state changes and rejections
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * {@return a new breaker, closed}
     *
     * @throws IllegalArgumentException if both a count and a time window were set, or {@code
     *     minimumCalls} exceeds the count window
     */
    public CircuitBreaker build() {
      if (countWindowSet && windowNanos > 0) {
        throw new IllegalArgumentException(
            "window: set either a number of calls or a duration, not both");
      }
      Integer min = minimumCalls;
      if (windowNanos == 0 && min != null && min > windowCalls) {
        throw new IllegalArgumentException(
            "minimumCalls must be <= the window's " + windowCalls + " calls, was " + min);
      }
      return new CircuitBreaker(
          this, min != null ? min : (windowNanos > 0 ? 10 : Math.min(10, windowCalls)));
    }

    private static double rate(String name, double rate) {
      if (!(rate > 0 && rate <= 1)) {
        throw new IllegalArgumentException(name + " must be in (0, 1], was " + rate);
      }
      return rate;
    }
  }
}
