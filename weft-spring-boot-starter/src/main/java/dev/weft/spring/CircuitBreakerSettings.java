package dev.weft.spring;

import dev.weft.observe.Listener;
import dev.weft.policy.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code weft.circuit-breaker.<name>.*} properties and their binding to {@link
 * CircuitBreaker.Builder}: the one class that maps them, so a rename in weft's API is a change here
 * only. Unset values keep weft's defaults. Mutable JavaBean bound by Spring.
 */
public class CircuitBreakerSettings {

  /** The failure rate, 0 to 1, at which the breaker opens. */
  private @Nullable Double failureRate;

  /** The window of the last N calls the rate is computed over. */
  private @Nullable Integer window;

  /** The window of time the rate is computed over (instead of a count of calls). */
  private @Nullable Duration windowDuration;

  /** Calls the window needs before the rate counts. */
  private @Nullable Integer minimumCalls;

  /** How long the breaker stays open before trial calls. */
  private @Nullable Duration openFor;

  /** Trial calls let through while half-open. */
  private @Nullable Integer halfOpenTrials;

  /** A call slower than this counts as slow. */
  private @Nullable Duration slowCallThreshold;

  /** The slow-call rate, 0 to 1, at which the breaker opens (with slow-call-threshold). */
  private @Nullable Double slowCallRate;

  /** Exception types recorded as failures (default: every exception). */
  private List<Class<? extends Throwable>> recordOn = new ArrayList<>();

  /** Exception types neither failures nor successes. */
  private List<Class<? extends Throwable>> ignore = new ArrayList<>();

  /**
   * {@return the breaker named {@code name} these settings describe}
   *
   * @throws IllegalArgumentException naming the property when a value is out of range
   */
  @SuppressWarnings({"unchecked", "rawtypes"}) // arrays of the bound class lists
  CircuitBreaker build(String name, Listener listener) {
    return PolicyBinding.bind(
        "weft.circuit-breaker." + name,
        () -> {
          CircuitBreaker.Builder b = CircuitBreaker.builder().name(name).listener(listener);
          if (failureRate != null) {
            b.failureRate(failureRate);
          }
          if (window != null) {
            b.window(window);
          }
          if (windowDuration != null) {
            b.window(windowDuration);
          }
          if (minimumCalls != null) {
            b.minimumCalls(minimumCalls);
          }
          if (openFor != null) {
            b.openFor(openFor);
          }
          if (halfOpenTrials != null) {
            b.halfOpenTrials(halfOpenTrials);
          }
          if (slowCallThreshold != null || slowCallRate != null) {
            if (slowCallThreshold == null || slowCallRate == null) {
              throw new IllegalArgumentException(
                  "slow-call-threshold and slow-call-rate must be set together");
            }
            b.slowCalls(slowCallThreshold, slowCallRate);
          }
          if (!recordOn.isEmpty()) {
            b.recordOn(recordOn.toArray(new Class[0]));
          }
          if (!ignore.isEmpty()) {
            b.ignore(ignore.toArray(new Class[0]));
          }
          return b.build();
        });
  }

  public @Nullable Double getFailureRate() {
    return failureRate;
  }

  public void setFailureRate(@Nullable Double failureRate) {
    this.failureRate = failureRate;
  }

  public @Nullable Integer getWindow() {
    return window;
  }

  public void setWindow(@Nullable Integer window) {
    this.window = window;
  }

  public @Nullable Duration getWindowDuration() {
    return windowDuration;
  }

  public void setWindowDuration(@Nullable Duration windowDuration) {
    this.windowDuration = windowDuration;
  }

  public @Nullable Integer getMinimumCalls() {
    return minimumCalls;
  }

  public void setMinimumCalls(@Nullable Integer minimumCalls) {
    this.minimumCalls = minimumCalls;
  }

  public @Nullable Duration getOpenFor() {
    return openFor;
  }

  public void setOpenFor(@Nullable Duration openFor) {
    this.openFor = openFor;
  }

  public @Nullable Integer getHalfOpenTrials() {
    return halfOpenTrials;
  }

  public void setHalfOpenTrials(@Nullable Integer halfOpenTrials) {
    this.halfOpenTrials = halfOpenTrials;
  }

  public @Nullable Duration getSlowCallThreshold() {
    return slowCallThreshold;
  }

  public void setSlowCallThreshold(@Nullable Duration slowCallThreshold) {
    this.slowCallThreshold = slowCallThreshold;
  }

  public @Nullable Double getSlowCallRate() {
    return slowCallRate;
  }

  public void setSlowCallRate(@Nullable Double slowCallRate) {
    this.slowCallRate = slowCallRate;
  }

  public List<Class<? extends Throwable>> getRecordOn() {
    return recordOn;
  }

  public void setRecordOn(List<Class<? extends Throwable>> recordOn) {
    this.recordOn = recordOn;
  }

  public List<Class<? extends Throwable>> getIgnore() {
    return ignore;
  }

  public void setIgnore(List<Class<? extends Throwable>> ignore) {
    this.ignore = ignore;
  }
}
