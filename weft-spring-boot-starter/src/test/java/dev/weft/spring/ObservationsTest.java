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
import dev.weft.spring.observation.WeftObservations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
  }
}
