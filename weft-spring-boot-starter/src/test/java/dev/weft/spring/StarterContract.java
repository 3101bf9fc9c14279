package dev.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.flow.RateLimiter;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.policy.Bulkhead;
import dev.weft.policy.CircuitBreaker;
import dev.weft.spring.app.MailHandlers;
import dev.weft.spring.app.PaymentsClient;
import dev.weft.spring.app.ReportHandler;
import dev.weft.spring.app.TestApp;
import dev.weft.spring.app.Welcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot application (TestApp) on a real database: each subclass says where the job
 * queue lives. Handlers are the application's beans; jobs are enqueued through the JobQueue bean.
 */
abstract class StarterContract {

  ConfigurableApplicationContext context;

  /** {@return the properties that put the queue in this test's database} */
  abstract List<String> database();

  ConfigurableApplicationContext start(String... extra) {
    List<String> props = new ArrayList<>(database());
    props.addAll(
        List.of(
            "weft.jobs.workers.mail.concurrency=4",
            "weft.jobs.workers.mail.poll-interval=100ms",
            "weft.jobs.workers.mail.backoff.initial=10ms",
            "weft.jobs.workers.slow.poll-interval=100ms",
            "weft.jobs.workers.slow.shutdown-grace=0s",
            "weft.retry.payments.max-attempts=4",
            "weft.retry.payments.backoff.initial=50ms",
            "weft.retry.payments.backoff.max=2s",
            "weft.circuit-breaker.payments.failure-rate=0.5",
            "weft.circuit-breaker.payments.window=20",
            "weft.circuit-breaker.payments.open-for=30s",
            "weft.rate-limiter.search.per-second=50",
            "weft.rate-limiter.search.burst=5",
            "weft.bulkhead.reports.max-concurrent=3",
            "management.endpoints.web.exposure.include=health,weft",
            "spring.main.banner-mode=off",
            "logging.level.root=WARN"));
    props.addAll(List.of(extra));
    context =
        new SpringApplicationBuilder(TestApp.class)
            .web(WebApplicationType.NONE)
            .properties(props.toArray(String[]::new))
            .run();
    return context;
  }

  @AfterEach
  void stop() {
    if (context != null) {
      context.close();
    }
  }

  @Test
  void jobsEnqueuedThroughTheQueueBeanRunOnTheHandlerBeans() throws Exception {
    start();
    JobQueue jobs = context.getBean(JobQueue.class);
    MailHandlers mail = context.getBean(MailHandlers.class);
    ReportHandler reports = context.getBean(ReportHandler.class);
    int n = 40;
    jobs.enqueue(
        IntStream.range(0, n).mapToObj(i -> NewJob.of("mail", "welcome", new Welcome(i))).toList());
    jobs.enqueue(
        List.of(NewJob.ofJson("mail", "report", "{}"), NewJob.ofJson("mail", "report", "{}")));
    assertThat(mail.ran.tryAcquire(n, 60, TimeUnit.SECONDS)).isTrue();
    assertThat(reports.ran.tryAcquire(2, 60, TimeUnit.SECONDS)).isTrue();
    assertThat(mail.welcomed)
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, n).boxed().toList());
    assertThat(mail.threads).containsOnly("virtual");
    WeftWorkers workers = context.getBean(WeftWorkers.class);
    assertThat(workers.workers()).containsOnlyKeys("mail", "slow");
    assertThat(workers.workers().get("mail").awaitDrained(Duration.ofSeconds(60))).isTrue();
    assertThat(jobs.counts("mail").get(JobState.SUCCEEDED)).isEqualTo(n + 2L);
  }

  @Test
  void namedPoliciesAreQualifiedBeansBuiltFromTheProperties() {
    start();
    PaymentsClient client = context.getBean(PaymentsClient.class);
    WeftPolicies policies = context.getBean(WeftPolicies.class);
    assertThat(client.breaker).isSameAs(policies.circuitBreaker("payments"));
    assertThat(client.breaker.name()).isEqualTo("payments");
    assertThat(client.retry.maxAttempts()).isEqualTo(4);
    assertThat(client.retry.backoff().maxDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(context.getBean("searchRateLimiter", RateLimiter.class).burst()).isEqualTo(5);
    assertThat(context.getBean("reportsBulkhead", Bulkhead.class).maxConcurrent()).isEqualTo(3);
    // the breaker is live: failures through it open it
    for (int i = 0; i < 20; i++) {
      try {
        client.breaker.call(() -> {
          throw new IllegalStateException("down");
        });
      } catch (RuntimeException expected) {
        // counted
      }
    }
    assertThat(client.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void closingTheContextReleasesTheLeaseOfARunningJobAtOnce() throws Exception {
    start();
    JobQueue jobs = context.getBean(JobQueue.class);
    long id = jobs.enqueue(NewJob.ofJson("slow", "block", "{}")).id();
    MailHandlers mail = context.getBean(MailHandlers.class);
    assertThat(mail.blockedStarted.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(jobs.job(id).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    context.close();
    context = null;
    try (JobQueue again = reopen()) {
      Job job = again.job(id).orElseThrow();
      assertThat(job.state()).isEqualTo(JobState.AVAILABLE);
      assertThat(job.attempt()).isZero(); // the interrupted attempt is not counted
      assertThat(job.leaseToken()).isNull();
      assertThat(again.workers()).isEmpty(); // every worker left the list
    }
  }

  @Test
  void theActuatorReportsHealthAndOperatesBreakersAndDeadJobs() throws Exception {
    start();
    var health =
        context.getBean(org.springframework.boot.actuate.health.HealthEndpoint.class).health();
    assertThat(health.getStatus().getCode()).isEqualTo("UP");
    var store =
        context
            .getBean(
                "weftJobStoreHealthIndicator",
                org.springframework.boot.actuate.health.HealthIndicator.class)
            .health();
    assertThat(store.getStatus().getCode()).isEqualTo("UP");
    assertThat(
            context
                .getBean(
                    "weftWorkersHealthIndicator",
                    org.springframework.boot.actuate.health.HealthIndicator.class)
                .health()
                .getStatus()
                .getCode())
        .isEqualTo("UP");
    var breakers =
        context.getBean(
            "weftCircuitBreakersHealthIndicator",
            org.springframework.boot.actuate.health.HealthIndicator.class);
    var endpoint = context.getBean(dev.weft.spring.actuate.WeftEndpoint.class);

    assertThat(endpoint.operate("circuit-breaker", "payments", "open"))
        .containsEntry("state", "FORCED_OPEN");
    assertThat(breakers.health().getStatus().getCode()).isEqualTo("CIRCUIT_OPEN");
    assertThat(endpoint.operate("circuit-breaker", "payments", "close"))
        .containsEntry("state", "CLOSED");
    assertThat(breakers.health().getStatus().getCode()).isEqualTo("UP");

    JobQueue jobs = context.getBean(JobQueue.class);
    MailHandlers mail = context.getBean(MailHandlers.class);
    long dead = jobs.enqueue(NewJob.ofJson("mail", "fail", "{}").withMaxAttempts(1)).id();
    assertThat(mail.ran.tryAcquire(1, 60, TimeUnit.SECONDS)).isTrue();
    assertThat(
            context
                .getBean(WeftWorkers.class)
                .workers()
                .get("mail")
                .awaitDrained(Duration.ofSeconds(60)))
        .isTrue();
    assertThat(jobs.job(dead).orElseThrow().state()).isEqualTo(JobState.DEAD);
    assertThat(endpoint.operate("queue", "mail", "pause")).containsEntry("paused", true);
    assertThat(jobs.isPaused("mail")).isTrue();
    assertThat(endpoint.weft().get("paused").toString()).contains("mail");
    assertThat(endpoint.operate("queue", "mail", "retry-dead")).containsEntry("retried", 1);
    assertThat(endpoint.operate("queue", "mail", "resume")).containsEntry("paused", false);
    assertThat(jobs.isPaused("mail")).isFalse();
    assertThat(mail.ran.tryAcquire(1, 60, TimeUnit.SECONDS)).isTrue(); // it ran again

    Map<String, Object> read = endpoint.weft();
    assertThat(read)
        .containsKeys(
            "queues",
            "paused",
            "workers",
            "circuitBreakers",
            "rateLimiters",
            "bulkheads",
            "retries");
    assertThat(read.get("circuitBreakers").toString()).contains("payments");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> endpoint.operate("queue", "mail", "sleep"))
        .hasMessageContaining("use pause, resume or retry-dead");
  }

  @Test
  void anInvalidPolicyPropertyFailsStartupNamingIt() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> start("weft.retry.broken.max-attempts=0"))
        .hasStackTraceContaining("weft.retry.broken: maxAttempts must be >= 1, was 0");
  }

  /** {@return a queue on the same database, for checks after the application stopped} */
  abstract JobQueue reopen();
}
