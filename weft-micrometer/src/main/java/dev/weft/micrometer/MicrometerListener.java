package dev.weft.micrometer;

import dev.weft.observe.Event;
import dev.weft.observe.Listener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * A {@link Listener} that records weft's events in a Micrometer {@link MeterRegistry}. Every event
 * counts in {@code weft.events}, tagged {@code type} (the event's simple class name) and {@code
 * source} (the component's name).
 *
 * <p>Thread-safe; share one per registry.
 *
 * {@snippet :
 * Listener metrics = new MicrometerListener(registry);
 * }
 */
public final class MicrometerListener implements Listener {

  private final MeterRegistry registry;

  /**
   * Creates a listener recording into {@code registry}.
   *
   * @param registry where meters go
   */
  public MicrometerListener(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public void onEvent(Event event) {
    Counter.builder("weft.events")
        .description("events emitted by weft components")
        .tag("type", event.getClass().getSimpleName())
        .tag("source", event.source())
        .register(registry)
        .increment();
  }
}
