package dev.weft.policy;

import dev.weft.observe.Listener;
import dev.weft.task.TaskContext;
import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Runs work again when it fails, waiting a {@link Backoff} delay between attempts, up to a number
 * of attempts and/or a total duration.
 *
 * <p>An attempt fails when it throws an exception the retry {@linkplain Builder#retryOn accepts}
 * (by default every {@link Exception} except {@link CircuitOpenException}) or returns a result
 * {@linkplain Builder#retryIfResult it rejects} (an HTTP 503). Exceptions it does not accept, or
 * that {@linkplain Builder#abortOn abort}, propagate at once, unchanged; so do errors and
 * interrupts. A {@linkplain Builder#retryHint retry hint} (a server's {@code Retry-After}) can
 * replace the backoff delay, within a cap. A shared {@link RetryBudget} can cap retries across
 * calls. The retry never sleeps past the current task's deadline ({@link TaskContext#deadline()})
 * or the maximum duration: it gives up instead. Nor does it retry once the current task is
 * cancelled ({@link TaskContext#token()}).
 *
 * <p>When it gives up after failures it throws {@link RetriesExhaustedException}, whose cause is
 * the last failure and whose suppressed exceptions are the earlier ones; when the last attempt
 * returned a rejected result, that result is returned.
 *
 * <p>Immutable and thread-safe: share one instance; the attempt count and failures of a call live
 * on the caller's stack. Delays are slept through the injected {@link TimeSource}; an interrupt
 * during a delay stops the retry with a {@link dev.weft.task.CancelledException} (interrupt flag
 * set, the failures so far suppressed).
 *
 * {@snippet :
 * Retry<HttpResponse<String>> retry = Retry.<HttpResponse<String>>builder()
 *     .maxAttempts(5)
 *     .backoff(Backoff.exponential(Duration.ofMillis(100), 2.0).max(Duration.ofSeconds(5)).fullJitter())
 *     .retryOn(IOException.class)
 *     .retryIfResult(response -> response.statusCode() == 503)
 *     .retryHint(Duration.ofSeconds(30), (response, failure) -> retryAfterHeader(response))
 *     .build();
 * HttpResponse<String> response = retry.call(() -> client.send(request, ofString()));
 * }
 *
 * @param <T> the results the retry inspects ({@code Object} when it looks at exceptions only)
 */
public final class Retry<T> implements Policy<T> {

  /**
   * Reads a server's hint of when to try again ({@code Retry-After}) from an attempt's outcome.
   *
   * @param <T> the result type
   */
  @FunctionalInterface
  public interface Hint<T> {
    /**
     * {@return how long to wait before the next attempt, or {@code null} to use the backoff}
     *
     * @param result what the attempt returned, or {@code null} if it threw
     * @param failure what the attempt threw, or {@code null} if it returned a rejected result
     */
    @Nullable Duration delay(@Nullable T result, @Nullable Throwable failure);
  }

  private final String name;
  private final int maxAttempts;
  private final long maxDurationNanos; // Long.MAX_VALUE: none
  private final Backoff backoff;
  private final List<Predicate<? super Throwable>> retryOn;
  private final List<Predicate<? super Throwable>> abortOn;
  private final @Nullable Predicate<? super T> retryIfResult;
  private final @Nullable Hint<? super T> hint;
  private final long hintCapNanos;
  private final @Nullable RetryBudget budget;
  private final RandomGenerator random;
  private final TimeSource time;
  private final Listener listener;

  private Retry(Builder<T> b) {
    this.name = b.name;
    this.maxDurationNanos =
        b.maxDuration == null ? Long.MAX_VALUE : TimeSource.saturatedNanos(b.maxDuration);
    Integer attempts = b.maxAttempts;
    this.maxAttempts =
        attempts != null ? attempts : (b.maxDuration == null ? 3 : Integer.MAX_VALUE);
    this.backoff = b.backoff;
    this.retryOn = List.copyOf(b.retryOn);
    this.abortOn = List.copyOf(b.abortOn);
    this.retryIfResult = b.retryIfResult;
    this.hint = b.hint;
    this.hintCapNanos = b.hintCapNanos;
    this.budget = b.budget;
    this.random = b.random;
    this.time = b.time;
    this.listener = b.listener;
  }

  /**
   * {@return a builder; name the result type ({@code Retry.<Response>builder()}) to inspect
   * results}
   *
   * @param <T> the result type
   */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /**
   * {@return a retry of up to {@code maxAttempts} attempts on every exception, with the default
   * backoff}
   *
   * @param maxAttempts attempts in all, the first included; at least 1
   */
  public static Retry<Object> of(int maxAttempts) {
    return Retry.builder().maxAttempts(maxAttempts).build();
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return the maximum number of attempts, the first included} */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** {@return the backoff between attempts} */
  public Backoff backoff() {
    return backoff;
  }

  @Override
  public String toString() {
    return "Retry[" + name + ", maxAttempts=" + maxAttempts + ", backoff=" + backoff + "]";
  }

  /*
   * Overview: one loop on the caller's stack. Per-call state (attempt, start tick, failures) is
   * local, never a field: the policy is shared. The budget is the only shared state and is
   * lock-free. Before each sleep the loop checks, in order: attempts, budget, maximum duration,
   * current deadline; the first that forbids another attempt names the reason.
   */
  @SuppressWarnings("unchecked") // a result of the work is a T: the caller's Callable<R extends T>
  @Nullable Object execute(Callable<?> work) throws Exception {
    long start = time.read();
    List<Throwable> failures = null;
    for (int attempt = 1; ; attempt++) {
      Object result = null;
      Throwable failure = null;
      try {
        result = work.call();
        Predicate<? super T> reject = retryIfResult;
        if (reject == null || !reject.test((T) result)) {
          if (budget != null) {
            budget.onSuccess();
          }
          return result;
        }
      } catch (Exception e) {
        if (!retryable(e)) {
          throw e;
        }
        failure = e;
        if (failures == null) {
          failures = new ArrayList<>(4);
        }
        failures.add(e);
      }
      if (budget != null) {
        budget.onFailure();
      }
      long delay = nextDelay(attempt, (T) result, failure);
      long elapsed = time.read() - start;
      RetriesExhaustedException.Reason stop = null;
      String limit = "";
      Deadline deadline = CurrentDeadline.get();
      if (attempt >= maxAttempts) {
        stop = RetriesExhaustedException.Reason.MAX_ATTEMPTS;
        limit = "max attempts " + maxAttempts + " reached";
      } else if (budget != null && !budget.allowsRetry()) {
        stop = RetriesExhaustedException.Reason.BUDGET;
        limit = "retry budget exhausted: " + budget;
      } else if (maxDurationNanos - elapsed <= delay) {
        stop = RetriesExhaustedException.Reason.MAX_DURATION;
        limit =
            "next delay "
                + Duration.ofNanos(delay)
                + " would pass max duration "
                + Duration.ofNanos(maxDurationNanos);
      } else if (!deadline.isNever() && deadline.remaining().toNanos() <= delay) {
        stop = RetriesExhaustedException.Reason.DEADLINE;
        limit = "next delay " + Duration.ofNanos(delay) + " would pass the deadline " + deadline;
      }
      if (stop != null) {
        if (!listener.isNone()) {
          Listener.emit(listener, new PolicyEvent.RetryGaveUp(name, attempt, stop));
        }
        if (failure == null) {
          return result;
        }
        throw new RetriesExhaustedException(
            name,
            attempt,
            Duration.ofNanos(elapsed),
            stop,
            limit,
            failures == null ? List.of() : failures);
      }
      if (!listener.isNone()) {
        Listener.emit(
            listener,
            new PolicyEvent.RetryScheduled(name, attempt, Duration.ofNanos(delay), failure));
      }
      try {
        time.sleep(Duration.ofNanos(delay));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        CancellationException c = Calls.interrupted(name, e);
        if (failures != null) {
          failures.forEach(c::addSuppressed);
        }
        throw c;
      }
    }
  }

  private long nextDelay(int attempt, @Nullable T result, @Nullable Throwable failure) {
    Hint<? super T> h = hint;
    if (h != null) {
      Duration hinted = h.delay(result, failure);
      if (hinted != null) {
        return Math.clamp(TimeSource.saturatedNanos(hinted), 0, hintCapNanos);
      }
    }
    return TimeSource.saturatedNanos(backoff.delay(attempt, random));
  }

  private boolean retryable(Exception e) {
    if (e instanceof InterruptedException
        || (e instanceof CancellationException && Thread.currentThread().isInterrupted())
        || Thread.currentThread().isInterrupted()
        || TaskContext.isCancelled()) {
      return false;
    }
    for (Predicate<? super Throwable> p : abortOn) {
      if (p.test(e)) {
        return false;
      }
    }
    if (retryOn.isEmpty()) {
      return !(e instanceof CircuitOpenException);
    }
    for (Predicate<? super Throwable> p : retryOn) {
      if (p.test(e)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Configures a {@link Retry}. Not thread-safe; each setter validates its value at once.
   *
   * @param <T> the result type
   */
  public static final class Builder<T> {
    private String name = "retry";
    private @Nullable Integer maxAttempts;
    private @Nullable Duration maxDuration;
    private Backoff backoff =
        Backoff.exponential(Duration.ofMillis(100), 2.0).max(Duration.ofSeconds(10)).fullJitter();
    private final List<Predicate<? super Throwable>> retryOn = new ArrayList<>();
    private final List<Predicate<? super Throwable>> abortOn = new ArrayList<>();
    private @Nullable Predicate<? super T> retryIfResult;
    private @Nullable Hint<? super T> hint;
    private long hintCapNanos;
    private @Nullable RetryBudget budget;
    private RandomGenerator random = Backoff.jitter();
    private TimeSource time = TimeSource.system();
    private Listener listener = Listener.none();

    private Builder() {}

    /**
     * {@return this builder}
     *
     * @param name the name events and messages use; default "retry"
     */
    public Builder<T> name(String name) {
      this.name = Calls.requireName(name);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param maxAttempts attempts in all, the first included; at least 1. Default 3, or unlimited
     *     when only {@link #maxDuration} is set
     */
    public Builder<T> maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param maxDuration the longest time from the first attempt's start to the last attempt's
     *     start; the retry gives up rather than sleep past it. Positive
     */
    public Builder<T> maxDuration(Duration maxDuration) {
      Objects.requireNonNull(maxDuration, "maxDuration");
      if (maxDuration.isNegative() || maxDuration.isZero()) {
        throw new IllegalArgumentException("maxDuration must be > 0, was " + maxDuration);
      }
      this.maxDuration = maxDuration;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param backoff the delays between attempts; default exponential from 100 ms, factor 2, capped
     *     at 10 s, full jitter
     */
    public Builder<T> backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * {@return this builder} Retries on exceptions of these types (and subtypes). Once any {@code
     * retryOn} is given, only the listed failures are retried.
     *
     * @param types exception types
     */
    @SafeVarargs
    public final Builder<T> retryOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        Objects.requireNonNull(type, "type");
        retryOn.add(type::isInstance);
      }
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param predicate retries on exceptions it accepts
     */
    public Builder<T> retryIf(Predicate<? super Throwable> predicate) {
      retryOn.add(Objects.requireNonNull(predicate, "predicate"));
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param types exceptions that are never retried, even if listed
     */
    @SafeVarargs
    public final Builder<T> abortOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        Objects.requireNonNull(type, "type");
        abortOn.add(type::isInstance);
      }
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param predicate exceptions it accepts are never retried
     */
    public Builder<T> abortIf(Predicate<? super Throwable> predicate) {
      abortOn.add(Objects.requireNonNull(predicate, "predicate"));
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param predicate results it accepts are retried (an HTTP 503)
     */
    public Builder<T> retryIfResult(Predicate<? super T> predicate) {
      this.retryIfResult = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param cap the longest hinted delay honoured; longer hints are cut to it. Not negative
     * @param hint reads a server's hint from a failed attempt; when it returns a delay, that delay
     *     replaces the backoff's
     */
    public Builder<T> retryHint(Duration cap, Hint<? super T> hint) {
      Objects.requireNonNull(cap, "cap");
      if (cap.isNegative()) {
        throw new IllegalArgumentException("cap must be >= 0, was " + cap);
      }
      this.hint = Objects.requireNonNull(hint, "hint");
      this.hintCapNanos = TimeSource.saturatedNanos(cap);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param budget a budget shared with other calls; default none
     */
    public Builder<T> budget(RetryBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param random the jitter source; must be thread-safe if the retry is shared. Default {@link
     *     Backoff#jitter()}
     */
    public Builder<T> random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param time the clock to sleep on; default the system's
     */
    public Builder<T> timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param listener receives retry events; default none
     */
    public Builder<T> listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** {@return the retry} */
    public Retry<T> build() {
      return new Retry<>(this);
    }
  }
}
