package dev.weft.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enqueue in this JVM, run in another: the trace context travels only through the database (the
 * job's headers). The worker JVM has its own SDK; its spans come back as text, and the whole trace
 * is written to {@code target/otel-trace-enqueue-claim-run.txt}.
 */
class CrossJvmTraceTest {

  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  @TempDir Path dir;

  @Test
  void aJobEnqueuedHereIsClaimedAndRunInAnotherJvmUnderTheEnqueueThroughPostgres()
      throws Exception {
    check(postgresDatabase("weft_otel"), "postgres");
  }

  @Test
  void andThroughASqliteFile() throws Exception {
    check(dir.resolve("state.db").toString(), "sqlite");
  }

  private void check(String location, String name) throws Exception {
    Tracer tracer = otel.getOpenTelemetry().getTracer("api-app");
    JobTracing tracing = JobTracing.create(otel.getOpenTelemetry());
    long id;
    Span request = tracer.spanBuilder("POST /reports").startSpan();
    try (JobQueue jobs = JobQueue.open(location);
        var ignored = request.makeCurrent()) {
      id = tracing.enqueue(jobs, NewJob.of("reports", "report", Map.of("month", "2026-11"))).id();
    } finally {
      request.end();
    }
    Path out = dir.resolve("worker-spans.txt");
    Path err = dir.resolve("worker.err");
    Process child = startWorker(location, out, err);
    if (!child.waitFor(120, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      throw new AssertionError(
          "the worker JVM did not finish in 120 s; its stderr:\n" + Files.readString(err));
    }
    assertThat(child.exitValue())
        .as("worker JVM exit; its stderr:\n%s", Files.readString(err))
        .isZero();
    try (JobQueue jobs = JobQueue.open(location)) {
      assertThat(jobs.job(id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }

    List<SpanLine> here = new ArrayList<>();
    otel.getSpans()
        .forEach(s -> here.add(SpanLine.of("api JVM pid " + ProcessHandle.current().pid(), s)));
    List<SpanLine> there =
        Files.readAllLines(out, StandardCharsets.UTF_8).stream().map(SpanLine::parse).toList();
    SpanLine send = only(here, "send reports");
    SpanLine claim = only(there, "receive reports");
    SpanLine run = only(there, "process reports");
    assertThat(send.kind()).isEqualTo("PRODUCER");
    assertThat(claim.kind()).isEqualTo("CLIENT");
    assertThat(run.kind()).isEqualTo("CONSUMER");
    assertThat(claim.traceId()).isEqualTo(request.getSpanContext().getTraceId());
    assertThat(run.traceId()).isEqualTo(request.getSpanContext().getTraceId());
    assertThat(claim.parentSpanId()).isEqualTo(send.spanId());
    assertThat(run.parentSpanId()).isEqualTo(claim.spanId());
    assertThat(claim.links()).containsExactly(send.traceId() + ":" + send.spanId());
    assertThat(run.links()).containsExactly(send.traceId() + ":" + send.spanId());
    assertThat(claim.attributes())
        .containsEntry("messaging.operation.type", "receive")
        .containsEntry("messaging.message.id", String.valueOf(id))
        .containsEntry("weft.worker.id", run.attributes().get("weft.worker.id"));
    assertThat(run.attributes())
        .containsEntry("messaging.system", "weft")
        .containsEntry("messaging.operation.name", "process")
        .containsEntry("messaging.destination.name", "reports")
        .containsEntry("messaging.message.id", String.valueOf(id))
        .containsEntry("weft.job.attempt", "1")
        .containsKey("weft.worker.id");
    assertThat(only(there, "query").parentSpanId()).isEqualTo(run.spanId());
    assertThat(only(there, "render").parentSpanId()).isEqualTo(run.spanId());

    List<SpanLine> all = new ArrayList<>(here);
    all.addAll(there);
    Path report = Path.of("target", "otel-trace-enqueue-claim-run-" + name + ".txt");
    Files.createDirectories(report.getParent());
    Files.writeString(
        report,
        "One trace, enqueue in one JVM and claim + run in another, carried through "
            + name
            + " (CrossJvmTraceTest)\n\n"
            + SpanLine.tree(all),
        StandardCharsets.UTF_8);
  }

  /**
   * weft-jobs' {@code TestPostgres.emptyDatabase}, called by name: this module's tests are compiled
   * inside its module, where weft-jobs' test-jar (same package as the named module dev.weft.jobs)
   * cannot be seen; they run on the class path, where it can.
   */
  static String postgresDatabase(String name) throws ReflectiveOperationException {
    return (String)
        Class.forName("dev.weft.jobs.TestPostgres")
            .getMethod("emptyDatabase", String.class)
            .invoke(null, name);
  }

  private static SpanLine only(List<SpanLine> spans, String name) {
    List<SpanLine> found = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(found).as("spans named %s in %s", name, spans).hasSize(1);
    return found.getFirst();
  }

  private static Process startWorker(String location, Path out, Path err) throws Exception {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    return new ProcessBuilder(
            java,
            "-Xmx192m",
            "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            TracedWorkerProcess.class.getName(),
            location,
            "reports",
            out.toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile())
        .start();
  }
}
