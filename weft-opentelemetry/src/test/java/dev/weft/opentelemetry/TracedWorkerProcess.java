package dev.weft.opentelemetry;

import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.Worker;
import dev.weft.task.Tasks;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The main class of the worker JVM of {@link CrossJvmTraceTest}: its own OpenTelemetry SDK, a
 * worker whose traced handler forks two steps with {@code Tasks.all}, until the queue is drained;
 * then it writes every span it recorded as a {@link SpanLine} to the output file. Anything wrong
 * goes to stderr with a non-zero exit.
 *
 * <p>Arguments: database location, queue, output file.
 */
public final class TracedWorkerProcess {

  private TracedWorkerProcess() {}

  public static void main(String[] args) throws Exception {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk =
            OpenTelemetrySdk.builder()
                .setTracerProvider(
                    SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                        .build())
                .build();
        JobQueue jobs = JobQueue.open(args[0])) {
      OpenTelemetryPropagator.install();
      Tracer tracer = sdk.getTracer("worker-app");
      JobTracing tracing = JobTracing.create(sdk);
      try (Worker w =
          jobs.worker(args[1])
              .id("worker-jvm-" + ProcessHandle.current().pid())
              .pollInterval(Duration.ofMillis(100))
              .handler(
                  "report",
                  tracing.handler(ctx -> {
                    Tasks.all(
                        List.of("query", "render"),
                        step -> {
                          tracer.spanBuilder(step).startSpan().end();
                          return step;
                        });
                    return JobOutcome.success();
                  }))
              .start()) {
        if (!w.awaitDrained(Duration.ofSeconds(90))) {
          System.err.println("worker: the queue was not drained within 90 s");
          System.exit(3);
        }
      }
      List<String> lines = new ArrayList<>();
      for (SpanData s : exporter.getFinishedSpanItems()) {
        lines.add(SpanLine.of("worker JVM pid " + ProcessHandle.current().pid(), s).line());
      }
      Files.write(Path.of(args[2]), lines, StandardCharsets.UTF_8);
    }
  }
}
