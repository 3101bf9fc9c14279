package dev.weft.opentelemetry;

import dev.weft.task.ContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ContextPropagator} that carries the OpenTelemetry {@link Context} (the current span,
 * baggage) from the forking thread into each fork, so a span started in a fork of {@code
 * Tasks.all}, a {@code Scope}, a gatherer or a {@code TaskQueue} task is a child of the span that
 * was current where the work was forked. The fork's thread gets its own context back when the body
 * ends.
 *
 * <p>{@link #install()} makes it weft's process-wide default, which reaches every fork without
 * touching call sites; or set {@link #INSTANCE} on one scope with {@code
 * Scope.builder().propagator(...)}. Stateless and thread-safe.
 *
 * {@snippet :
 * OpenTelemetryPropagator.install();                     // once, at start-up
 * Span parent = tracer.spanBuilder("report").startSpan();
 * try (var s = parent.makeCurrent()) {
 *   Tasks.all(ids, id -> fetch(id));                      // spans made in fetch are children of "report"
 * } finally { parent.end(); }
 * }
 */
public final class OpenTelemetryPropagator implements ContextPropagator {

  /** The one instance. */
  public static final OpenTelemetryPropagator INSTANCE = new OpenTelemetryPropagator();

  private OpenTelemetryPropagator() {}

  /**
   * Makes this propagator part of weft's process-wide default ({@link
   * ContextPropagator#setDefault}): alone if there was none, else after (inside) the one there was.
   * Calling it again changes nothing.
   *
   * @return the default before the call, or {@code null} if none (pass it to {@code setDefault} to
   *     undo)
   */
  public static synchronized @Nullable ContextPropagator install() {
    ContextPropagator previous = ContextPropagator.getDefault();
    if (previous == INSTANCE || previous instanceof Combined) {
      return previous;
    }
    ContextPropagator.setDefault(
        previous == null
            ? INSTANCE
            : new Combined(ContextPropagator.of(List.of(previous, INSTANCE))));
    return previous;
  }

  @Override
  @SuppressWarnings("try") // the scope only makes the captured context current
  public Runnable wrap(Runnable body) {
    Objects.requireNonNull(body, "body");
    Context captured = Context.current();
    return () -> {
      try (Scope ignored = captured.makeCurrent()) {
        body.run();
      }
    };
  }

  /** An earlier default with this propagator inside it, so {@link #install()} stays idempotent. */
  private record Combined(ContextPropagator both) implements ContextPropagator {
    @Override
    public Runnable wrap(Runnable body) {
      return both.wrap(body);
    }
  }
}
