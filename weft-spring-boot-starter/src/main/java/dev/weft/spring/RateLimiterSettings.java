package dev.weft.spring;

import dev.weft.flow.RateLimiter;
import dev.weft.observe.Listener;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The {@code weft.rate-limiter.<name>.*} properties and their binding to {@link
 * RateLimiter.Builder}: the one class that maps them, so a rename in weft's API is a change here
 * only. Set either {@code per-second}, or {@code permits} with {@code period}. Mutable JavaBean
 * bound by Spring.
 */
public class RateLimiterSettings {

  /** Permits per second. */
  private @Nullable Double perSecond;

  /** Permits per period (with period). */
  private @Nullable Long permits;

  /** The period of permits. */
  private @Nullable Duration period;

  /** Permits that may be taken at once after a quiet spell. */
  private @Nullable Integer burst;

  /**
   * {@return the rate limiter named {@code name} these settings describe}
   *
   * @throws IllegalArgumentException naming the property when a value is missing or out of range
   */
  RateLimiter build(String name, Listener listener) {
    return PolicyBinding.bind(
        "weft.rate-limiter." + name,
        () -> {
          RateLimiter.Builder b = RateLimiter.builder().name(name).listener(listener);
          if (perSecond != null) {
            b.perSecond(perSecond);
          } else if (permits != null && period != null) {
            b.rate(permits, period);
          } else {
            throw new IllegalArgumentException(
                "set per-second, or permits with period (none was set)");
          }
          if (burst != null) {
            b.burst(burst);
          }
          return b.build();
        });
  }

  public @Nullable Double getPerSecond() {
    return perSecond;
  }

  public void setPerSecond(@Nullable Double perSecond) {
    this.perSecond = perSecond;
  }

  public @Nullable Long getPermits() {
    return permits;
  }

  public void setPermits(@Nullable Long permits) {
    this.permits = permits;
  }

  public @Nullable Duration getPeriod() {
    return period;
  }

  public void setPeriod(@Nullable Duration period) {
    this.period = period;
  }

  public @Nullable Integer getBurst() {
    return burst;
  }

  public void setBurst(@Nullable Integer burst) {
    this.burst = burst;
  }
}
