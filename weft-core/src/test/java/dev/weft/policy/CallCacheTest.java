package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.TaskFailedException;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallCacheTest {

  private final ManualClock clock = new ManualClock();
  private final AtomicInteger loads = new AtomicInteger();

  private CallCache.Builder<String, String> cache() {
    return CallCache.<String, String>builder().name("users").timeSource(clock);
  }

  private String load(String key) {
    return key + "#" + loads.incrementAndGet();
  }

  private static void awaitWaiting(CallCache<String, String> c, String key, int n) {
    long spins = 0;
    while (c.waiting(key) < n) {
      Thread.onSpinWait();
      if (++spins > 2_000_000_000L) {
        throw new AssertionError("never saw " + n + " waiters");
      }
      Thread.yield();
    }
  }

  @Test
  void concurrentCallersShareOneLoad() throws Throwable {
    Leaks.assertNoLeaks(() -> {
      for (int round = 0; round < 50; round++) {
        loads.set(0);
        CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).build();
        CountDownLatch release = new CountDownLatch(1);
        int callers = 8;
        List<Async<String>> calls = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
          calls.add(
              Async.start(() ->
                  c.get(
                      "k",
                      () -> {
                        Async.await(release);
                        return load("k");
                      })));
        }
        awaitWaiting(c, "k", callers);
        release.countDown();
        for (Async<String> call : calls) {
          assertThat(call.get()).isEqualTo("k#1");
        }
        assertThat(loads).hasValue(1);
      }
    });
  }

  @Test
  void keepsValuesForTheirTimeToLive() {
    CallCache<String, String> c = cache().ttl(Duration.ofSeconds(10)).build();
    assertThat(c.get("k", () -> load("k"))).isEqualTo("k#1");
    clock.advance(Duration.ofSeconds(9));
    assertThat(c.get("k", () -> load("k"))).isEqualTo("k#1");
    clock.advance(Duration.ofSeconds(1));
    assertThat(c.get("k", () -> load("k"))).isEqualTo("k#2");
  }

  @Test
  void withoutATimeToLiveItOnlySharesLoadsInFlight() {
    CallCache<String, String> c = cache().build();
    assertThat(c.get("k", () -> load("k"))).isEqualTo("k#1");
    assertThat(c.get("k", () -> load("k"))).isEqualTo("k#2");
    assertThat(c.size()).isZero();
  }

  @Test
  void failuresAreNotCachedUnlessAsked() {
    CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).build();
    AtomicInteger attempts = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() ->
              c.get(
                  "k",
                  () -> {
                    attempts.incrementAndGet();
                    throw new IOException("down");
                  }))
          .isInstanceOf(TaskFailedException.class)
          .hasCauseInstanceOf(IOException.class);
    }
    assertThat(attempts).hasValue(2);

    CallCache<String, String> remembering =
        cache().ttl(Duration.ofMinutes(1)).cacheFailures(Duration.ofSeconds(5)).build();
    AtomicInteger tries = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() ->
              remembering.get(
                  "k",
                  () -> {
                    tries.incrementAndGet();
                    throw new IllegalStateException("down");
                  }))
          .hasMessage("down");
    }
    assertThat(tries).hasValue(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(remembering.get("k", () -> "up")).isEqualTo("up");
  }

  @Test
  void invalidateDropsOneKey() {
    CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).build();
    c.get("a", () -> load("a"));
    c.get("b", () -> load("b"));
    c.invalidate("a");
    assertThat(c.get("a", () -> load("a"))).isEqualTo("a#3");
    assertThat(c.get("b", () -> load("b"))).isEqualTo("b#2");
    c.invalidateAll();
    assertThat(c.size()).isZero();
  }

  @Test
  void aLoadInFlightWhenItsKeyIsInvalidatedIsNotCached() throws Throwable {
    CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).build();
    CountDownLatch release = new CountDownLatch(1);
    Async<String> call =
        Async.start(() ->
            c.get(
                "k",
                () -> {
                  Async.await(release);
                  return load("k");
                }));
    awaitWaiting(c, "k", 1);
    c.invalidate("k");
    release.countDown();
    assertThat(call.get()).isEqualTo("k#1");
    assertThat(c.get("k", () -> load("k"))).isEqualTo("k#2");
  }

  @Test
  void theFirstLoadedAreDroppedBeyondTheMaximumSize() {
    CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).maxSize(3).build();
    for (String k : List.of("a", "b", "c", "d")) {
      c.get(k, () -> load(k));
    }
    assertThat(c.size()).isEqualTo(3);
    assertThat(c.get("d", () -> load("d"))).isEqualTo("d#4");
    assertThat(c.get("a", () -> load("a"))).isEqualTo("a#5");
  }

  @Test
  void cancellingOneWaiterDoesNotCancelTheLoadForTheOthers() throws Throwable {
    // caffeine#870
    CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).build();
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean loaderInterrupted = new AtomicBoolean();
    java.util.concurrent.Callable<String> loader =
        () -> {
          try {
            Async.await(release);
          } catch (InterruptedException e) {
            loaderInterrupted.set(true);
            throw e;
          }
          return load("k");
        };
    Async<String> first = Async.start(() -> c.get("k", loader));
    Async<String> second = Async.start(() -> c.get("k", loader));
    awaitWaiting(c, "k", 2);
    first.thread().interrupt();
    assertThat(first.failure()).isInstanceOf(CancellationException.class);
    assertThat(first.interruptedAtEnd()).isTrue();
    release.countDown();
    assertThat(second.get()).isEqualTo("k#1");
    assertThat(loaderInterrupted).isFalse();
  }

  @Test
  void whenEveryWaiterLeavesTheLoadIsInterruptedAndDropped() throws Throwable {
    CallCache<String, String> c = cache().ttl(Duration.ofMinutes(1)).build();
    CountDownLatch interrupted = new CountDownLatch(1);
    Async<String> only =
        Async.start(() ->
            c.get(
                "k",
                () -> {
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                  }
                  return "never";
                }));
    awaitWaiting(c, "k", 1);
    only.thread().interrupt();
    assertThat(only.failure()).isInstanceOf(CancellationException.class);
    Async.await(interrupted);
    assertThat(c.get("k", () -> "fresh")).isEqualTo("fresh");
  }

  @Test
  void underStressEachKeyHasAtMostOneLoadInFlight() throws Throwable {
    CallCache<String, String> c = cache().build(); // no ttl: every flight reloads
    ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger executions = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    List<Async<Integer>> workers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int seed = t;
      workers.add(
          Async.startPlatform(() -> {
            Async.await(gate);
            for (int i = 0; i < 400; i++) {
              String key = "k" + ((i + seed) % 4);
              String v =
                  c.get(
                      key,
                      () -> {
                        executions.incrementAndGet();
                        AtomicInteger n = inFlight.computeIfAbsent(key, k -> new AtomicInteger());
                        if (n.incrementAndGet() > 1) {
                          overlaps.incrementAndGet();
                        }
                        Thread.yield();
                        n.decrementAndGet();
                        return key;
                      });
              if (!v.equals(key)) {
                throw new AssertionError("got " + v + " for " + key);
              }
            }
            return 0;
          }));
    }
    gate.countDown();
    for (Async<Integer> w : workers) {
      w.get();
    }
    assertThat(overlaps).hasValue(0);
    assertThat(executions.get()).isBetween(1, 8 * 400);
    assertThat(c.size()).isZero();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> cache().ttl(Duration.ofSeconds(-1)))
        .hasMessage("ttl must be >= 0, was PT-1S");
    assertThatThrownBy(() -> cache().maxSize(0)).hasMessage("maxSize must be >= 1, was 0");
  }
}
