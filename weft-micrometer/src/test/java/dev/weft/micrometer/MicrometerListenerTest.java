package dev.weft.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.observe.Event;
import dev.weft.observe.Listener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerListenerTest {

  record Opened(String source) implements Event {}

  @Test
  void countsEventsByTypeAndSource() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Listener metrics = new MicrometerListener(registry);
    Listener.emit(metrics, new Opened("payments"));
    Listener.emit(metrics, new Opened("payments"));
    Listener.emit(metrics, new Opened("search"));
    assertThat(
            registry
                .get("weft.events")
                .tag("type", "Opened")
                .tag("source", "payments")
                .counter()
                .count())
        .isEqualTo(2.0);
    assertThat(registry.get("weft.events").tag("source", "search").counter().count())
        .isEqualTo(1.0);
  }
}
