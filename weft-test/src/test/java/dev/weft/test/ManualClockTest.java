package dev.weft.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ManualClockTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void readsOnlyWhatItWasAdvanced() {
    assertThat(clock.read()).isZero();
    clock.advance(Duration.ofMillis(1500));
    assertThat(clock.read()).isEqualTo(1_500_000_000L);
    assertThat(clock.wallTime()).isEqualTo(Instant.parse("2026-01-01T00:00:01.500Z"));
  }

  @Test
  void sleepersWakeOnlyOnceTheClockPassesTheirDeadline() throws Exception {
    List<Integer> woke = new CopyOnWriteArrayList<>();
    List<Thread> sleepers = new ArrayList<>();
    for (int s = 1; s <= 3; s++) {
      int seconds = s;
      sleepers.add(
          Thread.ofVirtual()
              .start(() -> {
                try {
                  clock.sleep(Duration.ofSeconds(seconds));
                  woke.add(seconds);
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
              }));
    }
    clock.awaitParked(3);
    clock.advance(Duration.ofMillis(999));
    assertThat(woke).isEmpty(); // nothing can wake them before their deadline
    clock.advance(Duration.ofMillis(1));
    sleepers.get(0).join();
    assertThat(woke).containsExactly(1);
    clock.advance(Duration.ofSeconds(2));
    sleepers.get(1).join();
    sleepers.get(2).join();
    assertThat(woke).containsExactlyInAnyOrder(1, 2, 3);
    assertThat(clock.parkedCount()).isZero();
  }

  @Test
  void interruptWakesASleeper() throws Exception {
    Thread sleeper =
        Thread.ofPlatform()
            .start(() -> {
              try {
                clock.sleep(Duration.ofDays(1));
                throw new AssertionError("woke without an interrupt");
              } catch (InterruptedException expected) {
                // the behaviour under test
              }
            });
    clock.awaitParked(1);
    sleeper.interrupt();
    sleeper.join();
    assertThat(clock.parkedCount()).isZero();
  }

  @Test
  void advancingRacingWithParkingNeverLosesAWakeUp() throws Exception {
    for (int round = 0; round < 2_000; round++) {
      ManualClock c = new ManualClock();
      Thread parker =
          Thread.ofVirtual()
              .start(() -> {
                while (c.read() < 1) {
                  c.parkUntil(1);
                }
              });
      c.advance(Duration.ofNanos(1)); // lands before, while or after the parker parks
      parker.join();
    }
  }
}
