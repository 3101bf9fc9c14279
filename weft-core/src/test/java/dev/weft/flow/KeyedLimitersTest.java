package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KeyedLimitersTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void aMillionDistinctKeysDoNotStayInMemory() {
    KeyedRateLimiter<Integer> perKey =
        KeyedRateLimiter.of(k -> RateLimiter.builder().perSecond(1000).timeSource(clock).build());
    int maxSize = 0;
    for (int key = 0; key < 1_000_000; key++) {
      assertThat(perKey.tryAcquire(key)).isTrue();
      if (key % 100 == 99) {
        clock.advance(Duration.ofMillis(1)); // earlier keys' buckets refill: they become idle
      }
      maxSize = Math.max(maxSize, perKey.size());
    }
    assertThat(maxSize).isLessThanOrEqualTo(2 * KeyedMap.MIN_SWEEP);
    clock.advance(Duration.ofMillis(1));
    perKey.evictIdle();
    assertThat(perKey.size()).isZero();
  }

  @Test
  void aBusyKeyIsNotEvictedAndKeepsItsState() {
    KeyedRateLimiter<String> perHost =
        KeyedRateLimiter.of(
            k -> RateLimiter.builder().perSecond(1).burst(2).timeSource(clock).build());
    assertThat(perHost.tryAcquire("a", 2)).isTrue();
    assertThat(perHost.evictIdle()).isZero();
    assertThat(perHost.tryAcquire("a")).isFalse(); // a fresh limiter would have admitted
    clock.advance(Duration.ofSeconds(2));
    assertThat(perHost.evictIdle()).isOne();
    assertThat(perHost.tryAcquire("a", 2)).isTrue();
  }

  @Test
  void evictionRacingWithAdmissionsNeverBreaksTheRatePerKey() throws Throwable {
    for (int round = 0; round < 10; round++) {
      ManualClock c = new ManualClock();
      KeyedRateLimiter<Integer> perKey =
          KeyedRateLimiter.of(
              k -> RateLimiter.builder().perSecond(1000).burst(3).timeSource(c).build());
      ConcurrentHashMap<Integer, AtomicLong> admitted = new ConcurrentHashMap<>();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch go = new CountDownLatch(1);
      List<Run> runs = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        runs.add(
            Run.platform(
                "hammer-" + t,
                () -> {
                  go.await();
                  int i = 0;
                  while (!stop.get()) {
                    int key = i++ % 4;
                    if (perKey.tryAcquire(key)) {
                      admitted.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
                    }
                  }
                }));
      }
      runs.add(
          Run.platform(
              "evictor",
              () -> {
                go.await();
                while (!stop.get()) {
                  perKey.evictIdle();
                }
              }));
      go.countDown();
      for (int step = 0; step < 300; step++) {
        c.advance(Duration.ofNanos(250_000));
        Thread.onSpinWait();
      }
      stop.set(true);
      for (Run r : runs) {
        r.join();
      }
      long intervals = c.read() / 1_000_000;
      admitted.forEach(
          (key, n) -> assertThat(n.get()).as("key %d", key).isLessThanOrEqualTo(3 + intervals));
    }
  }

  @Test
  void keyedLimiterLimitsEachKeyAndForgetsIdleKeys() throws Throwable {
    KeyedLimiter<String> perHost = KeyedLimiter.builder().limit(2).timeSource(clock).build();
    Permit a1 = perHost.acquire("a");
    Permit a2 = perHost.acquire("a");
    assertThat(perHost.tryAcquire("a")).isEmpty();
    assertThat(perHost.tryAcquire("b")).isPresent().get().satisfies(Permit::close);
    assertThat(perHost.activeCount("a")).isEqualTo(2);
    assertThat(perHost.tryAcquire("a", Duration.ZERO)).isEmpty();
    a1.close();
    assertThat(perHost.evictIdle()).isOne(); // b is idle, a is held
    a2.close();
    assertThat(perHost.evictIdle()).isOne();
    assertThat(perHost.size()).isZero();
    assertThat(perHost.call("a", () -> perHost.activeCount("a"))).isOne();
  }

  @Test
  void keyedLimiterNeverRunsMoreThanTheLimitPerKeyWhileEvicting() throws Throwable {
    for (int round = 0; round < 10; round++) {
      KeyedLimiter<Integer> perKey = KeyedLimiter.of(2);
      ConcurrentHashMap<Integer, AtomicInteger> running = new ConcurrentHashMap<>();
      AtomicInteger max = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch go = new CountDownLatch(1);
      List<Run> runs = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int me = t;
        runs.add(
            Run.platform(
                "w" + t,
                () -> {
                  go.await();
                  for (int i = 0; i < 2000; i++) {
                    int key = (i + me) % 3;
                    perKey.call(
                        key,
                        () -> {
                          AtomicInteger r = running.computeIfAbsent(key, k -> new AtomicInteger());
                          max.accumulateAndGet(r.incrementAndGet(), Math::max);
                          r.decrementAndGet();
                          return null;
                        });
                  }
                }));
      }
      Run evictor =
          Run.platform(
              "evictor",
              () -> {
                go.await();
                while (!stop.get()) {
                  perKey.evictIdle();
                }
              });
      go.countDown();
      for (Run r : runs) {
        r.join();
      }
      stop.set(true);
      evictor.join();
      assertThat(max.get()).isLessThanOrEqualTo(2);
      perKey.evictIdle();
      assertThat(perKey.size()).isZero();
    }
  }
}
