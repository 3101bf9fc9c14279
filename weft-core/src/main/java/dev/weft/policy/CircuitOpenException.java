package dev.weft.policy;

import java.io.Serial;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CircuitBreaker} refused a call without running it. The message stands alone in a log:
 * {@code breaker 'payments' is OPEN (27/50 calls failed, 0/50 slow); retry after PT12S (at
 * 2026-01-01T00:00:42Z)}.
 *
 * <p>Thrown on the fast path, so it records no stack trace. Immutable; safe to share.
 */
public final class CircuitOpenException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final String breakerName;
  private final CircuitBreaker.Metrics metrics;
  private final @Nullable Duration retryAfter;

  CircuitOpenException(
      String breakerName,
      CircuitBreaker.Metrics metrics,
      @Nullable Duration retryAfter,
      @Nullable Instant at,
      int trials) {
    super(message(breakerName, metrics, retryAfter, at, trials), null, false, false);
    this.breakerName = breakerName;
    this.metrics = metrics;
    this.retryAfter = retryAfter;
  }

  private static String message(
      String name,
      CircuitBreaker.Metrics m,
      @Nullable Duration retryAfter,
      @Nullable Instant at,
      int trials) {
    String head = "breaker '" + name + "' is " + m.state();
    return switch (m.state()) {
      case HALF_OPEN ->
          head + " and all " + trials + " trial calls are taken; retry after their outcome";
      case FORCED_OPEN -> head + " (opened by hand) and stays open until reset()";
      default ->
          head
              + " ("
              + m.failures()
              + "/"
              + m.calls()
              + " calls failed, "
              + m.slowCalls()
              + "/"
              + m.calls()
              + " slow); retry after "
              + retryAfter
              + " (at "
              + at
              + ")";
    };
  }

  /** {@return the name of the breaker that refused the call} */
  public String breakerName() {
    return breakerName;
  }

  /** {@return the breaker's state when it refused} */
  public CircuitBreaker.State state() {
    return metrics.state();
  }

  /** {@return the counts that opened the breaker (or the trial counts, when half-open)} */
  public CircuitBreaker.Metrics metrics() {
    return metrics;
  }

  /**
   * {@return how long until the breaker lets a trial call through: the rest of the open period;
   * zero when half-open; empty when forced open}
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
