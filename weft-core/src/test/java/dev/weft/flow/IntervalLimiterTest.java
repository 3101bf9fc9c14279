package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

class IntervalLimiterTest {

  private final ManualClock clock = new ManualClock();

  private IntervalLimiter limiter(int n, Duration interval) {
    return IntervalLimiter.builder().limit(n).interval(interval).timeSource(clock).build();
  }

  @Test
  void admitsTheCapThenWaitsForTheOldestToAge() {
    IntervalLimiter q = limiter(3, Duration.ofSeconds(1));
    assertThat(q.tryAcquire()).isTrue();
    clock.advance(Duration.ofMillis(500));
    assertThat(q.tryAcquire()).isTrue();
    assertThat(q.tryAcquire()).isTrue();
    assertThat(q.tryAcquire()).isFalse();
    clock.advance(Duration.ofMillis(499));
    assertThat(q.tryAcquire()).isFalse();
    clock.advance(Duration.ofMillis(1)); // the first start is now a second old
    assertThat(q.tryAcquire()).isTrue();
    assertThat(q.tryAcquire()).isFalse();
    clock.advance(Duration.ofMillis(500)); // the two at 0.5 s age out
    assertThat(q.tryAcquire()).isTrue();
    assertThat(q.tryAcquire()).isTrue();
    assertThat(q.tryAcquire()).isFalse();
  }

  @Test
  void noHalfOpenWindowHoldsMoreThanTheCap() {
    Random random = new Random(7);
    for (int round = 0; round < 100; round++) {
      ManualClock c = new ManualClock();
      int n = 1 + random.nextInt(10);
      long interval = 1_000L + random.nextInt(100_000);
      IntervalLimiter q =
          IntervalLimiter.builder()
              .limit(n)
              .interval(Duration.ofNanos(interval))
              .timeSource(c)
              .build();
      List<Long> starts = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        c.advance(Duration.ofNanos(random.nextInt((int) interval / n + 1)));
        while (random.nextBoolean() && q.tryAcquire()) {
          starts.add(c.read());
        }
      }
      // any n+1 consecutive starts span at least the interval
      for (int i = 0; i + n < starts.size(); i++) {
        assertThat(starts.get(i + n) - starts.get(i)).isGreaterThanOrEqualTo(interval);
      }
    }
  }

  @Test
  void waitersStartInOrderWhenSlotsAge() throws Throwable {
    IntervalLimiter q = limiter(2, Duration.ofSeconds(1));
    assertThat(q.tryAcquire()).isTrue();
    clock.advance(Duration.ofMillis(500));
    assertThat(q.tryAcquire()).isTrue(); // slots age out at 1.0 s and 1.5 s: one at a time
    BlockingQueue<Integer> order = new LinkedBlockingQueue<>();
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int me = i;
      runs.add(
          Run.start(
              "w" + i,
              () -> {
                q.acquire();
                order.add(me);
              }));
      clock.awaitParked(i + 1);
    }
    for (int i = 0; i < 4; i++) {
      clock.advance(Duration.ofMillis(500));
      assertThat(order.take()).isEqualTo(i);
      assertThat(order).isEmpty();
    }
    for (Run r : runs) {
      r.join();
    }
    assertThat(q.waiting()).isZero();
  }

  @Test
  void timedAcquireGivesUpAndValidation() throws Throwable {
    IntervalLimiter q = limiter(1, Duration.ofSeconds(1));
    assertThat(q.tryAcquire(Duration.ZERO)).isTrue();
    assertThat(q.tryAcquire(Duration.ofMillis(10))).isFalse();
    assertThatThrownBy(() -> IntervalLimiter.of(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be >= 1, was 0");
    assertThatThrownBy(() -> IntervalLimiter.of(1, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval must be > 0, was PT-1S");
  }
}
