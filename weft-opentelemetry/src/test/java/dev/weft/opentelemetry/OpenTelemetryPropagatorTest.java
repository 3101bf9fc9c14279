package dev.weft.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.task.ContextPropagator;
import dev.weft.task.Scope;
import dev.weft.task.Tasks;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OpenTelemetryPropagatorTest {

  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  private final Tracer tracer = otel.getOpenTelemetry().getTracer("test");

  @AfterEach
  void uninstall() {
    ContextPropagator.setDefault(null);
  }

  @Test
  void installedEveryForkOfTasksAllIsAChildOfTheCallersSpanAndNestedForksOfTheirs() {
    OpenTelemetryPropagator.install();
    for (int round = 0; round < 20; round++) {
      otel.clearSpans();
      Span parent = tracer.spanBuilder("request").startSpan();
      try (var ignored = parent.makeCurrent()) {
        Tasks.all(
            IntStream.range(0, 8).boxed().toList(),
            i -> {
              Span child = tracer.spanBuilder("fetch " + i).startSpan();
              try (var c = child.makeCurrent()) {
                return Tasks.all(
                    List.of(0, 1),
                    j -> {
                      tracer.spanBuilder("part " + i + "." + j).startSpan().end();
                      return j;
                    });
              } finally {
                child.end();
              }
            });
      } finally {
        parent.end();
      }
      Map<String, SpanData> byName =
          otel.getSpans().stream()
              .collect(Collectors.toMap(SpanData::getName, Function.identity()));
      assertThat(byName).hasSize(1 + 8 + 16);
      String request = byName.get("request").getSpanId();
      for (int i = 0; i < 8; i++) {
        SpanData fetch = byName.get("fetch " + i);
        assertThat(fetch.getParentSpanId()).isEqualTo(request);
        assertThat(fetch.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
        for (int j = 0; j < 2; j++) {
          assertThat(byName.get("part " + i + "." + j).getParentSpanId())
              .isEqualTo(fetch.getSpanId());
        }
      }
      // the callers' threads have their own context back
      assertThat(Span.current().getSpanContext().isValid()).isFalse();
    }
  }

  @Test
  void withoutThePropagatorForksStartTracesOfTheirOwn() {
    Span parent = tracer.spanBuilder("request").startSpan();
    try (var ignored = parent.makeCurrent()) {
      Tasks.all(
          List.of(1, 2),
          i -> {
            tracer.spanBuilder("fetch").startSpan().end();
            return i;
          });
    } finally {
      parent.end();
    }
    assertThat(otel.getSpans())
        .filteredOn(s -> s.getName().equals("fetch"))
        .hasSize(2)
        .allSatisfy(s -> assertThat(s.getParentSpanContext().isValid()).isFalse());
  }

  @Test
  void onOneScopeOnlyItsForksAreCarried() throws Exception {
    Span parent = tracer.spanBuilder("request").startSpan();
    try (var ignored = parent.makeCurrent();
        var scope = Scope.builder().propagator(OpenTelemetryPropagator.INSTANCE).open()) {
      var f = scope.fork(() -> Span.current().getSpanContext().getSpanId());
      scope.join();
      assertThat(f.get()).isEqualTo(parent.getSpanContext().getSpanId());
    } finally {
      parent.end();
    }
  }

  @Test
  void installKeepsAnEarlierDefaultAndIsIdempotent() {
    ThreadLocal<String> tenant = new ThreadLocal<>();
    ContextPropagator.setDefault(ContextPropagator.threadLocal(tenant));
    OpenTelemetryPropagator.install();
    ContextPropagator installed = ContextPropagator.getDefault();
    OpenTelemetryPropagator.install();
    assertThat(ContextPropagator.getDefault()).isSameAs(installed);
    tenant.set("acme");
    Span parent = tracer.spanBuilder("request").startSpan();
    try (var ignored = parent.makeCurrent()) {
      List<String> seen =
          Tasks.all(
              List.of(1, 2), i -> tenant.get() + "/" + Span.current().getSpanContext().getSpanId());
      assertThat(seen).containsOnly("acme/" + parent.getSpanContext().getSpanId());
    } finally {
      parent.end();
      tenant.remove();
    }
  }
}
