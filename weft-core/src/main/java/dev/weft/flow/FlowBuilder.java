package dev.weft.flow;

import dev.weft.observe.Listener;
import java.util.Objects;

/**
 * The settings of the builders of the stateful limiters: a name, a time source and a listener for
 * their {@link FlowEvent}s. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract sealed class FlowBuilder<B extends FlowBuilder<B>> extends NamedBuilder<B>
    permits Limiter.Builder,
        Permits.Builder,
        KeyedLimiter.Builder,
        IntervalLimiter.Builder,
        RateLimiter.Builder,
        AdaptiveLimiter.Builder {

  Listener listener = Listener.none();

  FlowBuilder(String name) {
    super(name);
  }

  /**
   * Sets who receives the {@link FlowEvent}s.
   *
   * @param listener the listener
   * @return this builder
   */
  public final B listener(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return self();
  }
}
