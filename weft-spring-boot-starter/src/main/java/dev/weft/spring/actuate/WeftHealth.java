package dev.weft.spring.actuate;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.Worker;
import dev.weft.jobs.WorkerInfo;
import dev.weft.policy.CircuitBreaker;
import dev.weft.spring.WeftPolicies;
import dev.weft.spring.WeftWorkers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * weft's health indicators: the job store answers, each worker of this application is in the
 * store's worker list (its heartbeats get through), and no circuit breaker is open. Stateless; each
 * check reads live state.
 */
public final class WeftHealth {

  /**
   * The status of a circuit breaker indicator while a breaker is open. Not in Spring's default
   * order; add it to {@code management.endpoint.health.status.order} to rank it.
   */
  public static final Status CIRCUIT_OPEN = new Status("CIRCUIT_OPEN", "a circuit breaker is open");

  private WeftHealth() {}

  /** {@return UP with the job counts per queue and state when the store answers, else DOWN} */
  public static HealthIndicator jobStore(JobQueue queue) {
    return () -> {
      try {
        Map<String, Map<JobState, Long>> counts = queue.counts();
        return Health.up()
            .withDetail("store", queue.store().name())
            .withDetail("queues", counts)
            .build();
      } catch (RuntimeException e) {
        return Health.down()
            .withDetail("store", queue.store().name())
            .withDetail("error", String.valueOf(e.getMessage()))
            .build();
      }
    };
  }

  /**
   * {@return UP when every worker of this application is listed by the store (it heartbeats), DOWN
   * naming the workers that are not, or when the store cannot be read}
   */
  public static HealthIndicator workers(JobQueue queue, WeftWorkers workers) {
    return () -> {
      Map<String, Worker> local = workers.workers();
      Map<String, WorkerInfo> known = new LinkedHashMap<>();
      try {
        for (WorkerInfo w : queue.workers()) {
          known.put(w.id(), w);
        }
      } catch (RuntimeException e) {
        return Health.down().withDetail("error", String.valueOf(e.getMessage())).build();
      }
      Health.Builder b = Health.up();
      Map<String, Object> details = new LinkedHashMap<>();
      local.forEach((q, w) -> {
        WorkerInfo info = known.get(w.id());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", w.id());
        d.put("running", w.running());
        if (info == null) {
          d.put("status", "DOWN");
          d.put("error", "not in the store's worker list: its heartbeats are not recorded");
          b.down();
        } else {
          d.put("status", "UP");
          d.put("concurrency", info.concurrency());
          d.put("heartbeatAt", info.heartbeatAt().toString());
        }
        details.put(q, d);
      });
      return b.withDetail("workers", details).build();
    };
  }

  /** {@return UP when no breaker is open, else {@link #CIRCUIT_OPEN} naming the open ones} */
  public static HealthIndicator circuitBreakers(WeftPolicies policies) {
    return () -> {
      Map<String, Object> details = new LinkedHashMap<>();
      boolean open = false;
      for (Map.Entry<String, CircuitBreaker> e : policies.circuitBreakers().entrySet()) {
        CircuitBreaker.State s = e.getValue().state();
        details.put(e.getKey(), s.name());
        open |= s == CircuitBreaker.State.OPEN || s == CircuitBreaker.State.FORCED_OPEN;
      }
      return Health.status(open ? CIRCUIT_OPEN : Status.UP).withDetails(details).build();
    };
  }
}
