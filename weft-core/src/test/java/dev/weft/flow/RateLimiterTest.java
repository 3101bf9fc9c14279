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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private static final Duration SECOND = Duration.ofSeconds(1);
  private final ManualClock clock = new ManualClock();

  private RateLimiter limiter(double perSecond, int burst) {
    return RateLimiter.builder()
        .name("api")
        .perSecond(perSecond)
        .burst(burst)
        .timeSource(clock)
        .build();
  }

  @Test
  void aFreshLimiterAdmitsItsBurstThenOnePerInterval() {
    RateLimiter api = limiter(10, 3);
    assertThat(api.availablePermits()).isEqualTo(3);
    assertThat(api.tryAcquire()).isTrue();
    assertThat(api.tryAcquire(2)).isTrue();
    assertThat(api.tryAcquire()).isFalse();
    clock.advance(Duration.ofMillis(99));
    assertThat(api.tryAcquire()).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(api.tryAcquire()).isTrue();
    assertThat(api.tryAcquire()).isFalse();
    clock.advance(Duration.ofSeconds(10)); // idle: the bucket holds the burst, not more
    assertThat(api.availablePermits()).isEqualTo(3);
    assertThat(api.tryAcquire(3)).isTrue();
    assertThat(api.tryAcquire()).isFalse();
  }

  /**
   * The documented bound, checked exactly: for every pair of admissions i <= j, the permits
   * admitted in the closed interval [a_i, a_j] number at most burst + rate * (a_j - a_i).
   */
  @Test
  void noWindowAdmitsMoreThanBurstPlusRateTimesItsLength() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      ManualClock c = new ManualClock();
      int burst = 1 + random.nextInt(8);
      long permits = 1L + random.nextInt(50);
      Duration period = Duration.ofMillis(10 + random.nextInt(2000));
      RateLimiter l =
          RateLimiter.builder().rate(permits, period).burst(burst).timeSource(c).build();
      long interval = l.emissionInterval().toNanos();
      List<long[]> admitted = new ArrayList<>(); // {time, permits}
      for (int i = 0; i < 300; i++) {
        c.advance(
            Duration.ofNanos(
                (long) (random.nextDouble() * interval * (random.nextBoolean() ? 0.3 : 3))));
        int n = 1 + random.nextInt(burst);
        if (l.tryAcquire(n)) {
          admitted.add(new long[] {c.read(), n});
        }
      }
      assertThat(admitted).isNotEmpty();
      for (int i = 0; i < admitted.size(); i++) {
        long sum = 0;
        for (int j = i; j < admitted.size(); j++) {
          sum += admitted.get(j)[1];
          long length = admitted.get(j)[0] - admitted.get(i)[0];
          // sum <= burst + length / interval, in integers: sum * interval <= burst * interval +
          // length
          assertThat(sum * interval)
              .as(
                  "round %d: %d permits in %d ns, burst %d, interval %d",
                  round, sum, length, burst, interval)
              .isLessThanOrEqualTo(burst * interval + length);
        }
      }
    }
  }

  @Test
  void theBoundIsReached() {
    RateLimiter l = limiter(1, 5);
    int admitted = 0;
    for (int s = 0; s <= 10; s++) {
      while (l.tryAcquire()) {
        admitted++;
      }
      if (s < 10) {
        clock.advance(SECOND);
      }
    }
    assertThat(admitted).isEqualTo(5 + 10); // burst + rate * 10 s
  }

  @Test
  void realThreadsNeverGetMoreThanBurstPlusRateTimesElapsed() throws Throwable {
    for (int round = 0; round < 20; round++) {
      ManualClock c = new ManualClock();
      RateLimiter l = RateLimiter.builder().perSecond(1000).burst(10).timeSource(c).build();
      AtomicLong admitted = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch go = new CountDownLatch(1);
      List<Run> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(
            Run.platform(
                "hammer-" + t,
                () -> {
                  go.await();
                  while (!stop.get()) {
                    if (l.tryAcquire()) {
                      admitted.incrementAndGet();
                    }
                  }
                }));
      }
      go.countDown();
      for (int step = 0; step < 200; step++) {
        c.advance(Duration.ofNanos(333_333)); // a third of an interval
        Thread.onSpinWait();
      }
      stop.set(true);
      for (Run r : runs) {
        r.join();
      }
      long elapsedIntervals = c.read() / l.emissionInterval().toNanos();
      assertThat(admitted.get()).isLessThanOrEqualTo(10 + elapsedIntervals);
    }
  }

  @Test
  void waitersAreServedInArrivalOrderOnePerInterval() throws Throwable {
    RateLimiter l = limiter(1, 1);
    assertThat(l.tryAcquire()).isTrue();
    BlockingQueue<Integer> order = new LinkedBlockingQueue<>();
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int me = i;
      runs.add(
          Run.start(
              "w" + i,
              () -> {
                l.acquire();
                order.add(me);
              }));
      clock.awaitParked(i + 1);
    }
    assertThat(l.waiting()).isEqualTo(5);
    assertThat(l.tryAcquire()).as("no barging past waiters").isFalse();
    for (int i = 0; i < 5; i++) {
      clock.advance(SECOND);
      assertThat(order.take()).isEqualTo(i);
      assertThat(order).isEmpty();
    }
    for (Run r : runs) {
      r.join();
    }
    assertThat(l.waiting()).isZero();
  }

  @Test
  void aTimedAcquireThatCannotMakeItFailsAtOnce() throws Throwable {
    RateLimiter l = limiter(1, 1);
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire(Duration.ofMillis(999))).isFalse(); // no parking: would hang otherwise
    List<Boolean> got = new ArrayList<>();
    Run r = Run.start("w", () -> got.add(l.tryAcquire(SECOND)));
    clock.awaitParked(1);
    clock.advance(SECOND);
    r.join();
    assertThat(got).containsExactly(true);
  }

  @Test
  void anInterruptedHeadLosesNothingAndTheNextMovesUp() throws Throwable {
    RateLimiter l = limiter(1, 1);
    assertThat(l.tryAcquire()).isTrue();
    Run head = Run.start("head", l::acquire);
    clock.awaitParked(1);
    BlockingQueue<String> done = new LinkedBlockingQueue<>();
    Run next =
        Run.start(
            "next",
            () -> {
              l.acquire();
              done.add("next");
            });
    clock.awaitParked(2);
    head.thread().interrupt();
    assertThat(head.failure()).isInstanceOf(InterruptedException.class);
    clock.advance(SECOND); // the slot the head gave up is the next one's
    assertThat(done.take()).isEqualTo("next");
    next.join();
    assertThat(l.waiting()).isZero();
  }

  @Test
  void timedOutWaitersLeaveTheQueue() throws Throwable {
    RateLimiter l = limiter(1, 1);
    assertThat(l.tryAcquire()).isTrue();
    List<Boolean> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    Run a = Run.start("a", () -> got.add(l.tryAcquire(Duration.ofSeconds(1))));
    clock.awaitParked(1);
    Run b = Run.start("b", () -> got.add(l.tryAcquire(Duration.ofSeconds(3))));
    clock.awaitParked(2);
    clock.advance(SECOND);
    a.join();
    clock.advance(SECOND);
    b.join();
    assertThat(got).containsExactly(true, true);
    assertThat(l.waiting()).isZero();
  }

  @Test
  void settingsAreValidatedWithMessages() {
    assertThatThrownBy(() -> RateLimiter.perSecond(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permitsPerSecond must be in (0, 1e9], was 0.0");
    assertThatThrownBy(() -> RateLimiter.perSecond(5).withBurst(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("burst must be >= 1, was 0");
    assertThatThrownBy(() -> RateLimiter.of(0, SECOND))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be >= 1, was 0");
    assertThatThrownBy(() -> RateLimiter.of(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("period must be > 0, was PT0S");
    assertThatThrownBy(() -> limiter(1, 2).tryAcquire(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be <= the burst 2 of 'api', was 3");
  }

  @Test
  void rateIsRoundedSoItNeverExceedsTheStatedRate() {
    assertThat(RateLimiter.perSecond(3).emissionInterval())
        .isEqualTo(Duration.ofNanos(333_333_334));
    assertThat(RateLimiter.of(5000, Duration.ofHours(1)).emissionInterval())
        .isEqualTo(Duration.ofMillis(720));
  }
}
