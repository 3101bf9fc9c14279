package dev.weft.spring;

import dev.weft.flow.RateLimiter;
import dev.weft.observe.Listener;
import dev.weft.policy.Bulkhead;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.Retry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;

/**
 * The named policies built from {@code weft.*} properties, each built once at start-up and shared.
 * Each is also a bean of its own type with its name as qualifier: {@code @Qualifier("payments")
 * CircuitBreaker breaker}. Thread-safe; immutable after construction (the policies' live state,
 * such as a breaker's window, is theirs).
 */
public final class WeftPolicies {

  private final Map<String, Retry<Object>> retries;
  private final Map<String, CircuitBreaker> breakers;
  private final Map<String, RateLimiter> rateLimiters;
  private final Map<String, Bulkhead> bulkheads;

  /**
   * Builds every policy in {@code properties}.
   *
   * @throws IllegalArgumentException naming the property of the first invalid setting
   */
  public WeftPolicies(WeftPolicyProperties properties, Listener listener) {
    this.retries = build(properties.getRetry(), (n, s) -> s.build(n, listener));
    this.breakers = build(properties.getCircuitBreaker(), (n, s) -> s.build(n, listener));
    this.rateLimiters = build(properties.getRateLimiter(), (n, s) -> s.build(n, listener));
    this.bulkheads = build(properties.getBulkhead(), (n, s) -> s.build(n, listener));
  }

  private static <S, P> Map<String, P> build(Map<String, S> settings, BiFunction<String, S, P> f) {
    Map<String, P> out = new LinkedHashMap<>();
    settings.forEach((name, s) -> out.put(name, f.apply(name, s)));
    return Collections.unmodifiableMap(out);
  }

  /** {@return the retry {@code weft.retry.<name>}} */
  public Retry<Object> retry(String name) {
    return get(retries, "weft.retry.", name);
  }

  /** {@return the circuit breaker {@code weft.circuit-breaker.<name>}} */
  public CircuitBreaker circuitBreaker(String name) {
    return get(breakers, "weft.circuit-breaker.", name);
  }

  /** {@return the rate limiter {@code weft.rate-limiter.<name>}} */
  public RateLimiter rateLimiter(String name) {
    return get(rateLimiters, "weft.rate-limiter.", name);
  }

  /** {@return the bulkhead {@code weft.bulkhead.<name>}} */
  public Bulkhead bulkhead(String name) {
    return get(bulkheads, "weft.bulkhead.", name);
  }

  /** {@return every retry by name} */
  public Map<String, Retry<Object>> retries() {
    return retries;
  }

  /** {@return every circuit breaker by name} */
  public Map<String, CircuitBreaker> circuitBreakers() {
    return breakers;
  }

  /** {@return every rate limiter by name} */
  public Map<String, RateLimiter> rateLimiters() {
    return rateLimiters;
  }

  /** {@return every bulkhead by name} */
  public Map<String, Bulkhead> bulkheads() {
    return bulkheads;
  }

  private static <P> P get(Map<String, P> map, String prefix, String name) {
    P p = map.get(name);
    if (p == null) {
      throw new NoSuchElementException(
          "no " + prefix + name + ".* is configured; configured: " + map.keySet());
    }
    return p;
  }
}
