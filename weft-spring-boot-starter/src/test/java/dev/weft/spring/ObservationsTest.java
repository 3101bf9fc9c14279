package dev.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.NewJob;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.CircuitOpenException;
import dev.weft.spring.app.MailHandlers;
import dev.weft.spring.app.TestApp;
import dev.weft.spring.app.Welcome;
import dev.weft.spring.observation.ObservationPropagator;
import dev.weft.spring.observation.WeftObservations;
import dev.weft.task.ContextPropagator;
import dev.weft.task.Tasks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

class ObservationsTest {

  @TempDir Path dir;

  @Test
  void aPolicyCallIsObservedWithItsOutcome() {
    TestObservationRegistry registry = TestObservationRegistry.create();
    WeftObservations obs = new WeftObservations(registry);
    CircuitBreaker breaker = CircuitBreaker.builder().name("payments").build();
    assertThat(obs.call("payments", breaker, () -> 42)).isEqualTo(42);
    breaker.forceOpen();
    assertThatThrownBy(() -> obs.call("payments", breaker, () -> 43))
        .isInstanceOf(CircuitOpenException.class);
    TestObservationRegistryAssert.assertThat(registry)
        .hasNumberOfObservationsWithNameEqualTo(WeftObservations.POLICY_CALL, 2)
        .hasAnObservationWithAKeyValue("outcome", "success")
        .hasAnObservationWithAKeyValue("outcome", "rejected");
  }

  @Test
  void inTheApplicationEveryJobRunIsObservedAndPolicyEventsBecomeMeters() throws Exception {
    try (ConfigurableApplicationContext ctx =
        new SpringApplicationBuilder(TestApp.class)
            .web(WebApplicationType.NONE)
            .properties(
                "weft.jobs.url=" + dir.resolve("jobs.db"),
                "spring.autoconfigure.exclude="
                    + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "weft.jobs.workers.mail.poll-interval=100ms",
                "weft.retry.payments.max-attempts=2",
                "weft.circuit-breaker.payments.failure-rate=0.5",
                "spring.main.banner-mode=off")
            .run()) {
      assertThat(ctx.getBean(ObservationRegistry.class).isNoop()).isFalse();
      assertThat(ContextPropagator.getDefault())
          .as("the observation propagator is weft's default while the application runs")
          .isNotNull();
      JobQueue jobs = ctx.getBean(JobQueue.class);
      jobs.enqueue(NewJob.of("mail", "welcome", new Welcome(1)));
      assertThat(ctx.getBean(MailHandlers.class).ran.tryAcquire(1, 60, TimeUnit.SECONDS)).isTrue();
      assertThat(
              ctx.getBean(WeftWorkers.class)
                  .workers()
                  .get("mail")
                  .awaitDrained(Duration.ofSeconds(60)))
          .isTrue();
      MeterRegistry meters = ctx.getBean(MeterRegistry.class);
      // the observation's timer, from Boot's default meter observation handler
      assertThat(
              meters
                  .find(WeftObservations.JOB)
                  .tag("queue", "mail")
                  .tag("outcome", "success")
                  .timer())
          .isNotNull()
          .satisfies(t -> assertThat(t.count()).isEqualTo(1));
      // the starter's listener: the named breaker's events are meters
      CircuitBreaker breaker = ctx.getBean(WeftPolicies.class).circuitBreaker("payments");
      breaker.forceOpen();
      assertThatThrownBy(() -> breaker.call(() -> JobOutcome.success()))
          .isInstanceOf(CircuitOpenException.class);
      assertThat(meters.find(dev.weft.micrometer.MicrometerListener.EVENTS).counters())
          .isNotEmpty();
    }
    assertThat(ContextPropagator.getDefault()).as("closing the context undoes it").isNull();
  }

  @Test
  void observationsMadeInForksAreChildrenOfTheForkingOneOnlyWithThePropagator() throws Exception {
    Recorder without = new Recorder();
    for (int round = 0; round < 20; round++) {
      fanOut(without.registry, "without", round);
    }
    assertThat(without.named("fetch"))
        .hasSize(20 * 8)
        .allSatisfy(c -> assertThat(c.getParentObservation()).isNull());

    Recorder with = new Recorder();
    try (AutoCloseable installed = ObservationPropagator.of(with.registry).install()) {
      for (int round = 0; round < 20; round++) {
        fanOut(with.registry, "report", round);
      }
    }
    assertThat(ContextPropagator.getDefault()).isNull();
    assertThat(with.named("fetch"))
        .hasSize(20 * 8)
        .allSatisfy(c -> {
          assertThat(parentName(c)).isEqualTo("report");
          assertThat(parentRound(c)).isEqualTo(c.getLowCardinalityKeyValue("round").getValue());
        });
  }

  @Test
  void observingEachForkPutsATaskObservationBetween() throws Exception {
    Recorder r = new Recorder();
    ContextPropagator earlier = body -> body; // an earlier default keeps working around it
    ContextPropagator.setDefault(earlier);
    try {
      try (AutoCloseable installed =
          ObservationPropagator.of(r.registry).observingEachFork().install()) {
        fanOut(r.registry, "report", 0);
      }
      assertThat(ContextPropagator.getDefault()).isSameAs(earlier);
    } finally {
      ContextPropagator.setDefault(null);
    }
    assertThat(r.named(ObservationPropagator.TASK))
        .hasSize(8)
        .allSatisfy(c -> assertThat(parentName(c)).isEqualTo("report"));
    assertThat(r.named("fetch"))
        .hasSize(8)
        .allSatisfy(c -> assertThat(parentName(c)).isEqualTo(ObservationPropagator.TASK));
  }

  /** A registry that keeps the context of every observation that stopped. */
  private static final class Recorder {
    final ObservationRegistry registry = ObservationRegistry.create();
    final java.util.Queue<Observation.Context> stopped =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    Recorder() {
      registry
          .observationConfig()
          .observationHandler(
              new io.micrometer.observation.ObservationHandler<Observation.Context>() {
                @Override
                public void onStop(Observation.Context context) {
                  stopped.add(context);
                }

                @Override
                public boolean supportsContext(Observation.Context context) {
                  return true;
                }
              });
    }

    java.util.List<Observation.Context> named(String name) {
      return stopped.stream().filter(c -> name.equals(c.getName())).toList();
    }
  }

  /** An observation {@code name} tagged {@code round}, inside it 8 forks each observing "fetch". */
  private static void fanOut(ObservationRegistry registry, String name, int round)
      throws Exception {
    String tag = String.valueOf(round);
    Observation.createNotStarted(name, registry)
        .lowCardinalityKeyValue("round", tag)
        .observeChecked(() ->
            Tasks.all(
                java.util.stream.IntStream.range(0, 8).boxed().toList(),
                i ->
                    Observation.createNotStarted("fetch", registry)
                        .lowCardinalityKeyValue("round", tag)
                        .observe(() -> i)));
  }

  private static @Nullable String parentName(Observation.ContextView c) {
    var parent = c.getParentObservation();
    return parent == null ? null : parent.getContextView().getName();
  }

  private static @Nullable String parentRound(Observation.ContextView c) {
    var parent = c.getParentObservation();
    var round = parent == null ? null : parent.getContextView().getLowCardinalityKeyValue("round");
    return round == null ? null : round.getValue();
  }
}
