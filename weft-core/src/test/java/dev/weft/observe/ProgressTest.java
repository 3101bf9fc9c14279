package dev.weft.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ProgressTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void rateAndEtaFollowTheClock() {
    Progress p = Progress.of(100, Duration.ofSeconds(10), clock);
    assertThat(p.snapshot().ratePerSecond()).isEmpty();
    assertThat(p.snapshot().eta()).isEmpty();
    p.step(20);
    clock.advance(Duration.ofSeconds(2));
    Progress.Snapshot s = p.snapshot();
    assertThat(s.done()).isEqualTo(20);
    assertThat(s.ratePerSecond().getAsDouble()).isEqualTo(10.0);
    assertThat(s.eta()).contains(Duration.ofSeconds(8));
    assertThat(s.fraction().getAsDouble()).isEqualTo(0.2);
    assertThat(s.elapsed()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void rateForgetsWhatFellOutOfTheWindow() {
    Progress p = Progress.of(1000, Duration.ofSeconds(10), clock);
    p.step(500); // a fast start
    for (int i = 0; i < 30; i++) {
      clock.advance(Duration.ofSeconds(1));
      p.step(1); // then one per second
      p.snapshot();
    }
    Progress.Snapshot s = p.snapshot();
    assertThat(s.ratePerSecond().getAsDouble()).isBetween(0.99, 1.11);
    assertThat(s.eta().orElseThrow().toSeconds()).isBetween(420L, 470L);
  }

  @Test
  void rareSnapshotsStillAverageOverTheWholeSpan() {
    Progress p = Progress.of(10, Duration.ofSeconds(10), clock);
    p.step(4);
    clock.advance(Duration.ofSeconds(40));
    assertThat(p.snapshot().ratePerSecond().getAsDouble()).isEqualTo(0.1);
  }

  @Test
  void failuresCountAsDoneAndTrackCountsBothWays() throws Exception {
    Progress p = Progress.unbounded(Duration.ofSeconds(5), clock);
    assertThat(p.track(() -> "ok").call()).isEqualTo("ok");
    assertThatThrownBy(() ->
            p.track(
                    () -> {
                      throw new IllegalStateException("boom");
                    })
                .call())
        .hasMessage("boom");
    Progress.Snapshot s = p.snapshot();
    assertThat(s.done()).isEqualTo(2);
    assertThat(s.failed()).isEqualTo(1);
    assertThat(s.succeeded()).isEqualTo(1);
    assertThat(s.total()).isEmpty();
    assertThat(s.fraction()).isEmpty();
    p.addTotal(3);
    p.addTotal(2);
    assertThat(p.snapshot().total().getAsLong()).isEqualTo(5);
    p.total(2);
    assertThat(p.snapshot().eta()).isEmpty(); // no time passed: no rate yet
    clock.advance(Duration.ofSeconds(1));
    assertThat(p.snapshot().eta()).contains(Duration.ZERO);
  }

  @Test
  void validatesWithMessagesNamingTheValue() {
    assertThatThrownBy(() -> Progress.of(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("total must be >= 0, was -1");
    assertThatThrownBy(() -> Progress.of(1, Duration.ZERO, clock))
        .hasMessage("window must be > 0, was PT0S");
    Progress p = Progress.of(1, Duration.ofSeconds(1), clock);
    assertThatThrownBy(() -> p.step(-2)).hasMessage("units must be >= 0, was -2");
    assertThatThrownBy(() -> p.addTotal(-2)).hasMessage("units must be >= 0, was -2");
    assertThatThrownBy(() -> p.total(-3)).hasMessage("total must be >= 0, was -3");
  }

  @Test
  void countsFromManyThreadsAreNeverLost() throws Exception {
    for (int round = 0; round < 20; round++) {
      Progress p = Progress.of(8 * 1000, Duration.ofSeconds(1), clock);
      CountDownLatch gate = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int id = t;
        threads.add(
            Thread.ofVirtual()
                .start(() -> {
                  try {
                    gate.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int i = 0; i < 1000; i++) {
                    if (i % 10 == id) {
                      p.fail();
                    } else {
                      p.step();
                    }
                    if (i % 100 == 0) {
                      p.snapshot();
                    }
                  }
                }));
      }
      gate.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(p.snapshot().done()).isEqualTo(8000);
      assertThat(p.snapshot().failed()).isEqualTo(800);
    }
  }
}
