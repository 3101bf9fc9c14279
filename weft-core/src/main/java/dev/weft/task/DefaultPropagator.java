package dev.weft.task;

import org.jspecify.annotations.Nullable;

/**
 * Holds the process-wide {@link ContextPropagator} that {@link ContextPropagator#setDefault}
 * installs. Thread-safe: one volatile field, read once per scope opened.
 */
final class DefaultPropagator {

  private static volatile @Nullable ContextPropagator value;

  private DefaultPropagator() {}

  static @Nullable ContextPropagator get() {
    return value;
  }

  static synchronized @Nullable ContextPropagator set(@Nullable ContextPropagator propagator) {
    ContextPropagator previous = value;
    value = propagator;
    return previous;
  }

  /** {@return {@code inherited} if set, else the process-wide default, if any} */
  static @Nullable ContextPropagator orDefault(@Nullable ContextPropagator inherited) {
    return inherited != null ? inherited : value;
  }
}
