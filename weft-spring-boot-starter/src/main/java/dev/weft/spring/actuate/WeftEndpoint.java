package dev.weft.spring.actuate;

import dev.weft.flow.RateLimiter;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.Worker;
import dev.weft.policy.Bulkhead;
import dev.weft.policy.CircuitBreaker;
import dev.weft.spring.WeftPolicies;
import dev.weft.spring.WeftWorkers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code weft} actuator endpoint: reads the queues (job counts per state), this application's
 * workers, and the named breakers, rate limiters, bulkheads and retries; writes force a breaker
 * open or closed, pause or resume a queue and retry its dead jobs. Like every actuator endpoint it
 * is exposed over HTTP only when listed in {@code management.endpoints.web.exposure.include};
 * secure its write operations as the application secures the others. Thread-safe.
 *
 * <p>Writes: {@code POST /actuator/weft/circuit-breaker/<name>} with {@code {"action": "open"}} or
 * {@code "close"}; {@code POST /actuator/weft/queue/<name>} with {@code {"action": "pause"}},
 * {@code "resume"} or {@code "retry-dead"}. A pause holds for every worker of every process on the
 * same store ({@link JobQueue#pause(String)}).
 */
@Endpoint(id = "weft")
public class WeftEndpoint {

  private final @Nullable JobQueue queue;
  private final @Nullable WeftWorkers workers;
  private final WeftPolicies policies;

  /** Reads and operates {@code queue} (if any), {@code workers} (if any) and {@code policies}. */
  public WeftEndpoint(
      @Nullable JobQueue queue, @Nullable WeftWorkers workers, WeftPolicies policies) {
    this.queue = queue;
    this.workers = workers;
    this.policies = policies;
  }

  /** {@return the queues, workers and named policies with their live state} */
  @ReadOperation
  public Map<String, Object> weft() {
    Map<String, Object> out = new LinkedHashMap<>();
    if (queue != null) {
      out.put("queues", queue.counts());
      out.put("paused", queue.paused().keySet());
    }
    if (workers != null) {
      Map<String, Object> ws = new LinkedHashMap<>();
      for (Map.Entry<String, Worker> e : workers.workers().entrySet()) {
        ws.put(e.getKey(), Map.of("id", e.getValue().id(), "running", e.getValue().running()));
      }
      out.put("workers", ws);
    }
    Map<String, Object> breakers = new LinkedHashMap<>();
    policies
        .circuitBreakers()
        .forEach((n, b) -> {
          CircuitBreaker.Metrics m = b.metrics();
          breakers.put(
              n,
              Map.of(
                  "state", b.state().name(),
                  "calls", m.calls(),
                  "failures", m.failures(),
                  "failureRate", m.failureRate()));
        });
    out.put("circuitBreakers", breakers);
    Map<String, Object> limiters = new LinkedHashMap<>();
    policies.rateLimiters().forEach((n, l) -> limiters.put(n, limiter(l)));
    out.put("rateLimiters", limiters);
    Map<String, Object> bulkheads = new LinkedHashMap<>();
    policies.bulkheads().forEach((n, b) -> bulkheads.put(n, bulkhead(b)));
    out.put("bulkheads", bulkheads);
    Map<String, Object> retries = new LinkedHashMap<>();
    policies.retries().forEach((n, r) -> retries.put(n, Map.of("maxAttempts", r.maxAttempts())));
    out.put("retries", retries);
    return out;
  }

  private static Map<String, Object> limiter(RateLimiter l) {
    return Map.of(
        "availablePermits", l.availablePermits(),
        "burst", l.burst(),
        "waiting", l.waiting());
  }

  private static Map<String, Object> bulkhead(Bulkhead b) {
    return Map.of("maxConcurrent", b.maxConcurrent(), "inUse", b.inUse());
  }

  /**
   * Operates one thing: {@code circuit-breaker/<name>} with action {@code open} or {@code close};
   * {@code queue/<name>} with action {@code pause}, {@code resume} or {@code retry-dead}.
   *
   * @return what was done
   * @throws InvalidEndpointRequestException (HTTP 400) for an unknown target, name or action
   */
  @WriteOperation
  public Map<String, Object> operate(
      @Selector String target, @Selector String name, String action) {
    return switch (target) {
      case "circuit-breaker" -> breaker(name, action);
      case "queue" -> queue(name, action);
      default -> throw bad("unknown target '" + target + "': use circuit-breaker or queue");
    };
  }

  private Map<String, Object> breaker(String name, String action) {
    CircuitBreaker b = policies.circuitBreakers().get(name);
    if (b == null) {
      throw bad(
          "no circuit breaker '" + name + "'; configured: " + policies.circuitBreakers().keySet());
    }
    switch (action) {
      case "open" -> b.forceOpen();
      case "close" -> b.reset();
      default ->
          throw bad("unknown action '" + action + "' for a circuit breaker: use open or close");
    }
    return Map.of("circuitBreaker", name, "state", b.state().name());
  }

  private Map<String, Object> queue(String name, String action) {
    JobQueue q = queue;
    if (q == null) {
      throw bad("weft.jobs is disabled: no job queue");
    }
    return switch (action) {
      case "retry-dead" -> Map.of("queue", name, "retried", q.retryAllDead(name));
      case "pause" -> {
        q.pause(name);
        yield Map.of("queue", name, "paused", true);
      }
      case "resume" -> {
        q.resume(name);
        yield Map.of("queue", name, "paused", false);
      }
      default ->
          throw bad("unknown action '" + action + "' for a queue: use pause, resume or retry-dead");
    };
  }

  private static InvalidEndpointRequestException bad(String message) {
    return new InvalidEndpointRequestException(message, message);
  }
}
