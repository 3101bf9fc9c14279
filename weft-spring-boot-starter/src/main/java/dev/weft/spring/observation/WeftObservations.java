package dev.weft.spring.observation;

import dev.weft.jobs.JobHandler;
import dev.weft.jobs.JobOutcome;
import dev.weft.policy.BulkheadFullException;
import dev.weft.policy.CircuitOpenException;
import dev.weft.policy.Policy;
import dev.weft.spring.JobHandlerDecorator;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Micrometer {@link Observation}s of weft, so one instrumentation gives Spring users metrics (a
 * timer per observation) and traces (a span per observation, with Micrometer Tracing): {@value
 * #JOB} around each job run (low-cardinality keys {@code queue}, {@code kind}, {@code outcome}) and
 * {@value #POLICY_CALL} around a policy call made through {@link #call} ({@code policy}, {@code
 * outcome}: {@code success}, {@code error} or {@code rejected} when a breaker or bulkhead refused
 * the call). With a no-op registry they cost one check per call. Thread-safe.
 *
 * {@snippet :
 * Receipt r = observations.call("payments", paymentsPolicy, () -> client.charge(order));
 * }
 */
public final class WeftObservations implements JobHandlerDecorator {

  /** The name of the observation of one job run. */
  public static final String JOB = "weft.job";

  /** The name of the observation of one policy call. */
  public static final String POLICY_CALL = "weft.policy.call";

  private final ObservationRegistry registry;

  /** Observes into {@code registry}. */
  public WeftObservations(ObservationRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /**
   * {@return what {@code work} returns, called through {@code policy} inside an observation named
   * {@value #POLICY_CALL} tagged {@code policy=name}} Failures pass unchanged.
   */
  @SuppressWarnings("try") // the scope only makes the observation current
  public <R> R call(String name, Policy<? super R> policy, Callable<R> work) {
    if (registry.isNoop()) {
      return policy.call(work);
    }
    Observation o =
        Observation.createNotStarted(POLICY_CALL, registry)
            .contextualName(name)
            .lowCardinalityKeyValue("policy", name);
    o.start();
    try (Observation.Scope ignored = o.openScope()) {
      R r = policy.call(work);
      o.lowCardinalityKeyValue("outcome", "success");
      return r;
    } catch (CircuitOpenException | BulkheadFullException e) {
      o.lowCardinalityKeyValue("outcome", "rejected");
      o.error(e);
      throw e;
    } catch (RuntimeException | Error e) {
      o.lowCardinalityKeyValue("outcome", "error");
      o.error(e);
      throw e;
    } finally {
      o.stop();
    }
  }

  /** {@return {@code handler} observed as {@value #JOB} runs} */
  @Override
  @SuppressWarnings("try") // the scope only makes the observation current
  public JobHandler decorate(String queue, String kind, JobHandler handler) {
    return ctx -> {
      if (registry.isNoop()) {
        return handler.handle(ctx);
      }
      Observation o =
          Observation.createNotStarted(JOB, registry)
              .contextualName("process " + queue)
              .lowCardinalityKeyValue("queue", queue)
              .lowCardinalityKeyValue("kind", kind)
              .highCardinalityKeyValue("job.id", String.valueOf(ctx.job().id()))
              .highCardinalityKeyValue("job.attempt", String.valueOf(ctx.attempt()));
      o.start();
      try (Observation.Scope ignored = o.openScope()) {
        JobOutcome out = handler.handle(ctx);
        o.lowCardinalityKeyValue("outcome", outcome(out));
        return out;
      } catch (Exception | Error e) {
        o.lowCardinalityKeyValue(
            "outcome", e instanceof InterruptedException ? "released" : "failed");
        o.error(e);
        throw e;
      } finally {
        o.stop();
      }
    };
  }

  private static String outcome(JobOutcome out) {
    return switch (out) {
      case JobOutcome.Success s -> "success";
      case JobOutcome.Snooze s -> "snooze";
      case JobOutcome.Retry r -> "retry";
      case JobOutcome.GiveUp g -> "give_up";
    };
  }
}
