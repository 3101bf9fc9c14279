package dev.weft.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import dev.weft.task.ContextPropagator;
import dev.weft.task.Tasks;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class JobTracingTest {

  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  @TempDir Path dir;

  private final Tracer tracer = otel.getOpenTelemetry().getTracer("test");
  private JobQueue jobs;
  private JobTracing tracing;

  @BeforeEach
  void open() {
    jobs = JobQueue.sqlite(dir.resolve("state.db"));
    tracing = JobTracing.create(otel.getOpenTelemetry());
    OpenTelemetryPropagator.install();
  }

  @AfterEach
  void close() {
    jobs.close();
    ContextPropagator.setDefault(null);
  }

  @Test
  void theSendSpanIsAProducerChildOfTheCallerAndItsContextIsStoredWithTheJob() {
    Span request = tracer.spanBuilder("request").startSpan();
    Enqueued e;
    try (var ignored = request.makeCurrent()) {
      e = tracing.enqueue(jobs, NewJob.of("mail", "welcome", Map.of("user", 42)));
    } finally {
      request.end();
    }
    SpanData send = span("send mail");
    assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(send.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
    assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.system")))
        .isEqualTo("weft");
    assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.operation.name")))
        .isEqualTo("send");
    assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.destination.name")))
        .isEqualTo("mail");
    assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.message.id")))
        .isEqualTo(String.valueOf(e.id()));
    assertThat(jobs.job(e.id()).orElseThrow().headers())
        .containsEntry(
            "traceparent",
            "00-"
                + send.getTraceId()
                + "-"
                + send.getSpanId()
                + "-"
                + send.getSpanContext().getTraceFlags().asHex());
  }

  @Test
  void eachRunIsAConsumerSpanUnderItsClaimLinkedToItsEnqueueAndParentOfTheHandlersForks()
      throws Exception {
    int n = 12;
    CountDownLatch done = new CountDownLatch(n);
    Set<JobContext.Claim> claimsTaken = Collections.newSetFromMap(new IdentityHashMap<>());
    Span request = tracer.spanBuilder("request").startSpan();
    List<Enqueued> ids;
    try (var ignored = request.makeCurrent()) {
      ids =
          tracing.enqueue(
              jobs,
              java.util.stream.IntStream.range(0, n)
                  .mapToObj(i -> NewJob.of("mail", "welcome", Map.of("user", i)))
                  .toList());
    } finally {
      request.end();
    }
    try (Worker w =
        jobs.worker("mail")
            .concurrency(4)
            .pollInterval(Duration.ofMillis(50))
            .handler(
                "welcome",
                tracing.handler(ctx -> {
                  synchronized (claimsTaken) {
                    claimsTaken.add(ctx.claim());
                  }
                  Tasks.all(
                      List.of("render", "deliver"),
                      step -> {
                        tracer.spanBuilder(step + " " + ctx.job().id()).startSpan().end();
                        return step;
                      });
                  done.countDown();
                  return JobOutcome.success();
                }))
            .start()) {
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(w.awaitDrained(Duration.ofSeconds(60))).isTrue();
    }
    SpanData send = span("send mail");
    assertThat(send.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count")))
        .isEqualTo(n);
    List<SpanData> runs =
        otel.getSpans().stream().filter(s -> s.getName().equals("process mail")).toList();
    assertThat(runs).hasSize(n);
    Map<String, SpanData> claims =
        otel.getSpans().stream()
            .filter(s -> s.getName().equals("receive mail"))
            .collect(
                java.util.stream.Collectors.toMap(
                    s -> s.getAttributes().get(AttributeKey.stringKey("messaging.message.id")),
                    s -> s));
    assertThat(claims).hasSize(n);
    for (SpanData run : runs) {
      assertThat(run.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(run.getLinks())
          .singleElement()
          .satisfies(l -> assertSameSpan(l.getSpanContext(), send));
      SpanData claim =
          claims.get(run.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
      assertThat(claim.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(claim.getParentSpanId()).isEqualTo(send.getSpanId());
      assertThat(claim.getLinks())
          .singleElement()
          .satisfies(l -> assertSameSpan(l.getSpanContext(), send));
      assertThat(claim.getAttributes().get(AttributeKey.stringKey("messaging.operation.type")))
          .isEqualTo("receive");
      assertThat(claim.getAttributes().get(AttributeKey.stringKey("weft.worker.id")))
          .isEqualTo(run.getAttributes().get(AttributeKey.stringKey("weft.worker.id")));
      assertThat(claim.getEndEpochNanos()).isLessThanOrEqualTo(run.getStartEpochNanos());
      assertThat(run.getParentSpanId()).isEqualTo(claim.getSpanId());
      assertThat(run.getAttributes().get(AttributeKey.stringKey("messaging.operation.type")))
          .isEqualTo("process");
      assertThat(run.getAttributes().get(AttributeKey.stringKey("weft.job.outcome")))
          .isEqualTo("success");
      String id = run.getAttributes().get(AttributeKey.stringKey("messaging.message.id"));
      assertThat(span("render " + id).getParentSpanId()).isEqualTo(run.getSpanId());
      assertThat(span("deliver " + id).getParentSpanId()).isEqualTo(run.getSpanId());
    }
    assertThat(runs)
        .extracting(r -> r.getAttributes().get(AttributeKey.stringKey("messaging.message.id")))
        .containsExactlyInAnyOrderElementsOf(
            ids.stream().map(e -> String.valueOf(e.id())).toList());
    assertThat(otel.getMetrics())
        .extracting(m -> m.getName())
        .contains("messaging.client.operation.duration", "messaging.process.duration");
    // client operations are counted once each: one send, one sample per claim (not per job)
    assertThat(samples("messaging.client.operation.duration", "send")).isEqualTo(1);
    assertThat(samples("messaging.client.operation.duration", "receive"))
        .isEqualTo(claimsTaken.size());
    assertThat(samples("messaging.process.duration", "process")).isEqualTo(n);
  }

  /** {@return how many samples the histogram {@code name} holds for {@code operation}} */
  private static long samples(String name, String operation) {
    return otel.getMetrics().stream()
        .filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getHistogramData().getPoints().stream())
        .filter(p ->
            operation.equals(
                p.getAttributes().get(AttributeKey.stringKey("messaging.operation.name"))))
        .mapToLong(p -> p.getCount())
        .sum();
  }

  @Test
  void aFailedRunIsAnErrorSpanAndAJobWithoutContextRunsInANewTraceWithoutLink() throws Exception {
    long id = jobs.enqueue(NewJob.ofJson("q", "boom", "{}").withMaxAttempts(1)).id();
    try (Worker w =
        jobs.worker("q")
            .pollInterval(Duration.ofMillis(50))
            .handler(
                "boom",
                tracing.handler(ctx -> {
                  throw new IllegalStateException("no mailbox for user 7");
                }))
            .start()) {
      assertThat(w.awaitDrained(Duration.ofSeconds(60))).isTrue();
    }
    assertThat(jobs.job(id).orElseThrow().state()).isEqualTo(JobState.DEAD);
    SpanData claim = span("receive q");
    SpanData run = span("process q");
    assertThat(claim.getLinks()).isEmpty();
    assertThat(claim.getParentSpanContext().isValid()).isFalse();
    assertThat(run.getLinks()).isEmpty();
    assertThat(run.getParentSpanId()).isEqualTo(claim.getSpanId());
    assertThat(run.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(run.getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo(IllegalStateException.class.getName());
  }

  @Test
  void runsInTheirOwnTraceAreOnlyLinked() throws Exception {
    JobTracing own = tracing.runsInTheirOwnTrace();
    own.enqueue(jobs, NewJob.ofJson("q", "k", "{}"));
    try (Worker w =
        jobs.worker("q")
            .pollInterval(Duration.ofMillis(50))
            .handler("k", own.handler(ctx -> JobOutcome.success()))
            .start()) {
      assertThat(w.awaitDrained(Duration.ofSeconds(60))).isTrue();
    }
    SpanData send = span("send q");
    SpanData claim = span("receive q");
    SpanData run = span("process q");
    assertThat(claim.getParentSpanContext().isValid()).isFalse();
    assertThat(claim.getLinks())
        .singleElement()
        .satisfies(l -> assertSameSpan(l.getSpanContext(), send));
    assertThat(run.getParentSpanId()).isEqualTo(claim.getSpanId());
    assertThat(run.getTraceId()).isNotEqualTo(send.getTraceId());
    assertThat(run.getLinks())
        .singleElement()
        .satisfies(l -> assertSameSpan(l.getSpanContext(), send));
  }

  private static void assertSameSpan(io.opentelemetry.api.trace.SpanContext linked, SpanData send) {
    assertThat(linked.getTraceId()).isEqualTo(send.getTraceId());
    assertThat(linked.getSpanId()).isEqualTo(send.getSpanId());
    assertThat(linked.isRemote()).isTrue(); // it came back from the database
  }

  private static SpanData span(String name) {
    return otel.getSpans().stream()
        .filter(s -> s.getName().equals(name))
        .reduce((a, b) -> {
          throw new AssertionError("two spans named " + name);
        })
        .orElseThrow(() -> new AssertionError("no span named " + name + " in " + otel.getSpans()));
  }
}
