package dev.weft.task;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one hook that carries the caller's context (SLF4J MDC, {@code ThreadLocal}s, an OpenTelemetry
 * {@code Context}) into every fork. weft calls {@link #wrap(Runnable)} on the forking thread, so
 * the propagator captures the context there, and runs the returned {@code Runnable} on the fork's
 * thread, where it installs the captured context around the body and restores the old one
 * afterwards. weft's own context (token, deadline) needs no propagator: it is re-bound in every
 * fork.
 *
 * <p>Set one on a scope with {@link Scope.Builder#propagator(ContextPropagator)}; scopes and {@link
 * Tasks} calls opened inside its forks inherit it. A scope that neither sets nor inherits one uses
 * the process-wide {@linkplain #setDefault(ContextPropagator) default}, if any: the way a tracing
 * library (weft-opentelemetry) reaches every fork without touching each call site. Implementations
 * must be thread-safe and must always run the body exactly once.
 *
 * {@snippet :
 * ContextPropagator mdc = body -> {
 *   Map<String, String> captured = MDC.getCopyOfContextMap();      // on the forking thread
 *   return () -> {
 *     Map<String, String> previous = MDC.getCopyOfContextMap();    // on the fork's thread
 *     if (captured == null) MDC.clear(); else MDC.setContextMap(captured);
 *     try { body.run(); } finally { if (previous == null) MDC.clear(); else MDC.setContextMap(previous); }
 *   };
 * };
 * try (var scope = Scope.builder().propagator(mdc).open()) { ... }
 * }
 */
@FunctionalInterface
public interface ContextPropagator {

  /**
   * Captures the current thread's context and returns {@code body} wrapped to run inside it.
   *
   * @param body the fork's work; run it exactly once
   * @return what weft runs on the fork's thread
   */
  Runnable wrap(Runnable body);

  /**
   * Installs {@code propagator} as the process-wide default: every scope (and so every {@link
   * Tasks} call, gatherer and {@link TaskContext#carry carried} task) opened from then on that
   * neither sets a propagator nor inherits one from an enclosing scope uses it. Scopes already open
   * keep what they have. To add to a default rather than replace it, combine the two with {@link
   * #of(List)}. Thread-safe.
   *
   * @param propagator the new default, or {@code null} to remove it
   * @return the previous default, or {@code null} if there was none
   */
  static @Nullable ContextPropagator setDefault(@Nullable ContextPropagator propagator) {
    return DefaultPropagator.set(propagator);
  }

  /** {@return the process-wide default propagator, or {@code null} if none is installed} */
  static @Nullable ContextPropagator getDefault() {
    return DefaultPropagator.get();
  }

  /**
   * {@return a propagator applying each of {@code propagators}, the first outermost}
   *
   * @param propagators the propagators to combine
   */
  static ContextPropagator of(List<ContextPropagator> propagators) {
    List<ContextPropagator> copy = List.copyOf(propagators);
    return body -> {
      Runnable wrapped = Objects.requireNonNull(body, "body");
      for (int i = copy.size() - 1; i >= 0; i--) {
        wrapped = copy.get(i).wrap(wrapped);
      }
      return wrapped;
    };
  }

  /**
   * {@return a propagator that carries {@code local}'s value from the forking thread into the fork}
   * The fork's thread gets the value the forking thread had when it forked (a {@code null} value
   * included) and has its own value back when the body ends, so pooled threads keep nothing.
   *
   * @param local the thread-local to carry; for an inheritable one, prefer this to inheritance,
   *     which copies only at thread creation
   * @param <T> the value's type
   */
  static <T> ContextPropagator threadLocal(ThreadLocal<T> local) {
    Objects.requireNonNull(local, "local");
    return body -> {
      Objects.requireNonNull(body, "body");
      T captured = local.get();
      return () -> {
        T previous = local.get();
        local.set(captured);
        try {
          body.run();
        } finally {
          local.set(previous);
        }
      };
    };
  }
}
