package dev.weft.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SystemTimeSourceTest {

  private final TimeSource time = TimeSource.system();

  @Test
  void sleepLastsAtLeastItsDuration() throws InterruptedException {
    long start = time.read();
    time.sleep(Duration.ofMillis(20)); // the sleep is the behaviour under test
    assertThat(time.since(start)).isGreaterThanOrEqualTo(Duration.ofMillis(20));
  }

  @Test
  void sleepThrowsAndClearsTheFlagWhenAlreadyInterrupted() {
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> time.sleep(Duration.ofDays(1)))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void sleepIsWokenByInterrupt() throws Exception {
    Thread sleeper =
        Thread.ofVirtual()
            .start(() -> {
              try {
                time.sleep(Duration.ofDays(1));
              } catch (InterruptedException expected) {
                return;
              }
              throw new AssertionError("slept through an interrupt");
            });
    sleeper.interrupt();
    sleeper.join();
  }

  @Test
  void wallTimeAndTicksMove() {
    assertThat(time.wallTime()).isNotNull();
    assertThat(time.read()).isLessThanOrEqualTo(time.read());
  }
}
