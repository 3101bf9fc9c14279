package dev.weft.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.observe.Event;
import dev.weft.observe.Listener;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerListenerTest {

  record Opened(String source) implements Event {}

  record TaskFinished(String source, Duration duration, String outcome)
      implements Event.Timed, Event.Outcome {}

  record PermitGranted(String source, Duration duration) implements Event.Timed {}

  record QueueDepth(String source, double value) implements Event.Gauge {
    @Override
    public String gauge() {
      return "queue.depth";
    }
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void countsEventsByTypeAndSource() {
    Listener metrics = new MicrometerListener(registry);
    Listener.emit(metrics, new Opened("payments"));
    Listener.emit(metrics, new Opened("payments"));
    Listener.emit(metrics, new Opened("search"));
    assertThat(
            registry
                .get("weft.events")
                .tag("type", "Opened")
                .tag("source", "payments")
                .tag("outcome", "none")
                .counter()
                .count())
        .isEqualTo(2.0);
    assertThat(registry.get("weft.events").tag("source", "search").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void timedEventsFeedATimerWithPercentilesPerOutcome() {
    Listener metrics = MicrometerListener.builder(registry).percentiles(0.5, 0.99).build();
    for (int i = 1; i <= 100; i++) {
      Listener.emit(metrics, new TaskFinished("orders", Duration.ofMillis(i), "success"));
    }
    Listener.emit(metrics, new TaskFinished("orders", Duration.ofSeconds(3), "failure"));
    Timer ok = registry.get("weft.duration").tag("outcome", "success").timer();
    assertThat(ok.count()).isEqualTo(100);
    assertThat(ok.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(5050.0);
    assertThat(ok.max(TimeUnit.MILLISECONDS)).isEqualTo(100.0);
    ValueAtPercentile[] ps = ok.takeSnapshot().percentileValues();
    assertThat(ps).extracting(ValueAtPercentile::percentile).containsExactly(0.5, 0.99);
    assertThat(ps[0].value(TimeUnit.MILLISECONDS)).isBetween(45.0, 55.0);
    Timer failed =
        registry
            .get("weft.duration")
            .tag("type", "TaskFinished")
            .tag("source", "orders")
            .tag("outcome", "failure")
            .timer();
    assertThat(failed.count()).isEqualTo(1);
    assertThat(registry.get("weft.events").tag("outcome", "failure").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void timedEventsWithoutOutcomeAreTaggedNone() {
    Listener metrics = new MicrometerListener(registry);
    Listener.emit(metrics, new PermitGranted("db", Duration.ofMillis(7)));
    assertThat(
            registry
                .get("weft.duration")
                .tag("type", "PermitGranted")
                .tag("outcome", "none")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void gaugeEventsKeepTheLatestValuePerSource() {
    Listener metrics = MicrometerListener.builder(registry).tags("app", "shop").build();
    Listener.emit(metrics, new QueueDepth("orders", 5));
    Listener.emit(metrics, new QueueDepth("orders", 3));
    Listener.emit(metrics, new QueueDepth("mail", 9));
    assertThat(registry.get("weft.queue.depth").tag("source", "orders").gauge().value())
        .isEqualTo(3.0);
    assertThat(
            registry
                .get("weft.queue.depth")
                .tag("source", "mail")
                .tag("app", "shop")
                .gauge()
                .value())
        .isEqualTo(9.0);
    assertThat(registry.get("weft.events").tag("app", "shop").counters()).hasSize(2);
  }

  @Test
  void countsFromManyThreadsAreNeverLost() throws Exception {
    Listener metrics = new MicrometerListener(registry);
    CountDownLatch gate = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      String source = "s" + (t % 2);
      threads.add(
          Thread.ofVirtual()
              .start(() -> {
                try {
                  gate.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 1000; i++) {
                  Listener.emit(metrics, new PermitGranted(source, Duration.ofNanos(i)));
                }
              }));
    }
    gate.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(registry.get("weft.events").tag("source", "s0").counter().count()).isEqualTo(4000);
    assertThat(registry.get("weft.duration").tag("source", "s1").timer().count()).isEqualTo(4000);
  }

  @Test
  void anonymousEventClassesGetAReadableType() {
    Event anonymous =
        new Event() {
          @Override
          public String source() {
            return "x";
          }
        };
    assertThat(MicrometerListener.typeName(anonymous.getClass())).isNotEmpty().doesNotContain(".");
  }

  @Test
  void validatesSettings() {
    assertThatThrownBy(() -> MicrometerListener.builder(registry).percentiles(0.5, 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("percentiles must be in [0, 1], was [0.5, 1.5]");
    assertThatThrownBy(() -> MicrometerListener.builder(registry).tags("app"))
        .hasMessage("keyValues must come in pairs, was 1 strings");
  }
}
