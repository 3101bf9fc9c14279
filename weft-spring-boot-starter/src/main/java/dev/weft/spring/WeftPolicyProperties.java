package dev.weft.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The named policies under {@code weft.*}: {@code weft.retry.<name>.*}, {@code
 * weft.circuit-breaker.<name>.*}, {@code weft.rate-limiter.<name>.*} and {@code
 * weft.bulkhead.<name>.*}. Mutable JavaBean bound by Spring at start-up.
 */
@ConfigurationProperties("weft")
public class WeftPolicyProperties {

  /** Retries by name. */
  private Map<String, RetrySettings> retry = new LinkedHashMap<>();

  /** Circuit breakers by name. */
  private Map<String, CircuitBreakerSettings> circuitBreaker = new LinkedHashMap<>();

  /** Rate limiters by name. */
  private Map<String, RateLimiterSettings> rateLimiter = new LinkedHashMap<>();

  /** Bulkheads by name. */
  private Map<String, BulkheadSettings> bulkhead = new LinkedHashMap<>();

  public Map<String, RetrySettings> getRetry() {
    return retry;
  }

  public void setRetry(Map<String, RetrySettings> retry) {
    this.retry = retry;
  }

  public Map<String, CircuitBreakerSettings> getCircuitBreaker() {
    return circuitBreaker;
  }

  public void setCircuitBreaker(Map<String, CircuitBreakerSettings> circuitBreaker) {
    this.circuitBreaker = circuitBreaker;
  }

  public Map<String, RateLimiterSettings> getRateLimiter() {
    return rateLimiter;
  }

  public void setRateLimiter(Map<String, RateLimiterSettings> rateLimiter) {
    this.rateLimiter = rateLimiter;
  }

  public Map<String, BulkheadSettings> getBulkhead() {
    return bulkhead;
  }

  public void setBulkhead(Map<String, BulkheadSettings> bulkhead) {
    this.bulkhead = bulkhead;
  }
}
