package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.FanOutException;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import dev.weft.test.Stress;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LimiterTest {

  private final ManualClock clock = new ManualClock();

  private Limiter limiter(int limit) {
    return Limiter.builder().name("test").limit(limit).timeSource(clock).build();
  }

  @Test
  void callReturnsTheResultAndReleasesOnEveryPath() throws Exception {
    Limiter limit = limiter(1);
    assertThat(limit.call(() -> limit.activeCount())).isEqualTo(1);
    assertThatThrownBy(() ->
            limit.call(() -> {
              throw new IllegalStateException("boom");
            }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(limit.activeCount()).isZero();
    assertThat(limit.tryAcquire()).isPresent().get().satisfies(Permit::close);
  }

  @Test
  void checkedExceptionsPassThroughUnchanged() {
    Limiter limit = limiter(1);
    java.io.IOException io = new java.io.IOException("disk");
    assertThatThrownBy(() ->
            limit.call(() -> {
              throw io;
            }))
        .isSameAs(io);
  }

  @Test
  void waitersAreAdmittedInArrivalOrder() throws Throwable {
    Limiter limit = limiter(1);
    Permit holder = limit.acquire();
    List<Integer> order = new CopyOnWriteArrayList<>();
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int me = i;
      runs.add(Run.start("waiter-" + i, () -> limit.call(() -> order.add(me))));
      clock.awaitParked(i + 1); // the i-th waiter is queued before the next one starts
    }
    assertThat(limit.pendingCount()).isEqualTo(8);
    holder.close();
    for (Run r : runs) {
      r.join();
    }
    assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(limit.activeCount()).isZero();
  }

  /** A limiter and what its calls saw: how many ran at once, at most. */
  private record Admissions(Limiter limit, AtomicInteger running, AtomicInteger max) {
    Admissions() {
      this(Limiter.of(3), new AtomicInteger(), new AtomicInteger());
    }

    void call() throws InterruptedException {
      limit.call(() -> {
        int now = running.incrementAndGet();
        max.accumulateAndGet(now, Math::max);
        Thread.onSpinWait();
        running.decrementAndGet();
        return null;
      });
    }
  }

  @Test
  void neverMoreThanLimitRunStress() throws Throwable {
    Stress.of(Admissions::new)
        .actors(8, Admissions::call)
        .repetitions(1, 300)
        .rounds(40)
        .invariant((s, round) -> {
          assertThat(s.max().get()).as("most calls at once").isLessThanOrEqualTo(3);
          assertThat(s.limit().activeCount()).isZero();
          assertThat(s.limit().pendingCount()).isZero();
        })
        .build()
        .run()
        .assertPassed();
  }

  @Test
  void mapKeepsOrderAndTheLimit() throws Throwable {
    Limiter limit = Limiter.of(4);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Integer> items = IntStream.range(0, 200).boxed().toList();
    Leaks.assertNoLeaks(
        () -> {
          List<Integer> out =
              limit.map(
                  items,
                  i -> {
                    max.accumulateAndGet(running.incrementAndGet(), Math::max);
                    running.decrementAndGet();
                    return i * 2;
                  });
          assertThat(out).isEqualTo(items.stream().map(i -> i * 2).toList());
        },
        Leaks.gauge("permits in use", limit::activeCount));
    assertThat(max.get()).isLessThanOrEqualTo(4);
    assertThat(limit.map(List.of(), i -> i)).isEmpty();
  }

  @Test
  void mapFailsFastCancelsTheRestAndJoinsThem() throws Throwable {
    Limiter limit = Limiter.of(2);
    CountDownLatch blockerStarted = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    Leaks.assertNoLeaks(
        () ->
            assertThatThrownBy(() ->
                    limit.map(
                        List.of(0, 1, 2, 3, 4),
                        i -> {
                          started.incrementAndGet();
                          if (i == 0) {
                            blockerStarted.countDown();
                            try {
                              new CountDownLatch(1).await(); // a day-long task
                            } catch (InterruptedException e) {
                              interrupted.incrementAndGet();
                              throw e;
                            }
                          }
                          blockerStarted.await();
                          throw new IllegalStateException("item " + i);
                        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("item 1")
                .satisfies(e ->
                    assertThat(e.getSuppressed())
                        .singleElement()
                        .isInstanceOf(FanOutException.class)),
        Leaks.gauge("permits in use", limit::activeCount));
    assertThat(interrupted.get()).isEqualTo(1);
    assertThat(started.get()).isEqualTo(2);
  }

  @Test
  void clearPendingSendsWaitersAwayWithoutRunningThem() throws Throwable {
    Limiter limit = limiter(1);
    Permit holder = limit.acquire();
    AtomicInteger ran = new AtomicInteger();
    Run a = Run.start("a", () -> limit.call(ran::incrementAndGet));
    clock.awaitParked(1);
    Run b = Run.start("b", () -> limit.tryCall(Duration.ofDays(1), ran::incrementAndGet));
    clock.awaitParked(2);
    assertThat(limit.clearPending()).isEqualTo(2);
    assertThat(a.failure())
        .isInstanceOf(LimiterClearedException.class)
        .hasMessageContaining("'test'");
    assertThat(b.failure()).isInstanceOf(LimiterClearedException.class);
    assertThat(ran.get()).isZero();
    assertThat(limit.pendingCount()).isZero();
    holder.close();
    assertThat(limit.activeCount()).isZero();
  }

  @Test
  void raisingTheLimitAdmitsWaitersAndLoweringDrains() throws Throwable {
    Limiter limit = limiter(1);
    Permit first = limit.acquire();
    Run waiter = Run.start("w", () -> limit.call(() -> null));
    clock.awaitParked(1);
    limit.setLimit(2);
    waiter.join();
    limit.setLimit(3);
    Permit second = limit.acquire();
    Permit third = limit.acquire();
    limit.setLimit(1); // three held, limit one: nobody gets in until two are released
    assertThat(limit.tryAcquire()).isEmpty();
    first.close();
    second.close();
    assertThat(limit.tryAcquire()).isEmpty();
    third.close();
    assertThat(limit.tryAcquire()).isPresent().get().satisfies(Permit::close);
    assertThatThrownBy(() -> limit.setLimit(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be >= 0, was -1");
  }

  @Test
  void timedAcquireReturnsEmptyWhenTheTimePassesOnTheClock() throws Throwable {
    Limiter limit = limiter(1);
    Permit holder = limit.acquire();
    List<Optional<Permit>> got = Collections.synchronizedList(new ArrayList<>());
    Run r = Run.start("timed", () -> got.add(limit.tryAcquire(Duration.ofSeconds(1))));
    clock.awaitParked(1);
    clock.advance(Duration.ofMillis(999));
    assertThat(limit.pendingCount()).isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    r.join();
    assertThat(got).containsExactly(Optional.empty());
    assertThat(limit.pendingCount()).isZero();
    holder.close();
    assertThat(limit.tryAcquire(Duration.ZERO)).isPresent().get().satisfies(Permit::close);
    assertThat(limit.activeCount()).isZero();
  }

  @Test
  void aGrantThatRacesWithTimeoutIsHandedToTheNextWaiter() throws Throwable {
    Limiter limit = limiter(1);
    Permit holder = limit.acquire();
    List<Optional<Permit>> got = Collections.synchronizedList(new ArrayList<>());
    Run timed = Run.start("timed", () -> got.add(limit.tryAcquire(Duration.ofSeconds(1))));
    clock.awaitParked(1);
    Run next = Run.start("next", () -> limit.call(() -> null));
    clock.awaitParked(2);
    // the permit is granted to "timed" exactly when it has decided to give up
    limit.gate().beforeGiveUp = holder::close;
    clock.advance(Duration.ofSeconds(1));
    timed.join();
    next.join();
    assertThat(got).containsExactly(Optional.empty());
    assertThat(limit.activeCount()).isZero();
    assertThat(limit.tryAcquire()).isPresent(); // the permit was not lost
  }

  @Test
  void aGrantThatRacesWithInterruptIsHandedToTheNextWaiter() throws Throwable {
    Limiter limit = limiter(1);
    Permit holder = limit.acquire();
    Run victim = Run.start("victim", () -> limit.call(() -> null));
    clock.awaitParked(1);
    Run next = Run.start("next", () -> limit.call(() -> null));
    clock.awaitParked(2);
    limit.gate().beforeGiveUp = holder::close;
    victim.thread().interrupt();
    assertThat(victim.failure()).isInstanceOf(InterruptedException.class);
    next.join();
    assertThat(limit.activeCount()).isZero();
    assertThat(limit.pendingCount()).isZero();
  }

  @Test
  void noPermitIsLostWhenWaitersTimeOutOrAreInterruptedStress() throws Throwable {
    for (int round = 0; round < 30; round++) {
      Limiter limit = Limiter.of(2);
      CountDownLatch go = new CountDownLatch(1);
      List<Run> runs = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int me = t;
        runs.add(
            Run.platform(
                "s" + t,
                () -> {
                  awaitUninterruptibly(go);
                  for (int i = 0; i < 200; i++) {
                    try {
                      if ((i + me) % 3 == 0) {
                        limit.tryCall(Duration.ofNanos(1000L * (i % 7)), () -> null);
                      } else {
                        limit.call(() -> null);
                      }
                    } catch (InterruptedException expected) {
                      // an interrupter hit us while waiting
                    }
                  }
                }));
      }
      Run interrupter =
          Run.platform(
              "interrupter",
              () -> {
                go.await();
                for (int i = 0; i < 200; i++) {
                  runs.get(i % runs.size()).thread().interrupt();
                  Thread.onSpinWait();
                }
              });
      go.countDown();
      interrupter.join();
      for (Run r : runs) {
        r.join();
      }
      assertThat(limit.activeCount()).as("round %d", round).isZero();
      assertThat(limit.pendingCount()).isZero();
      try (Permit a = limit.tryAcquire().orElseThrow();
          Permit b = limit.tryAcquire().orElseThrow()) {
        assertThat(a.count() + b.count()).isEqualTo(2);
      }
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException early) {
        // the interrupter came before the start line; ignore
      }
    }
  }

  @Test
  void builderValidatesWithMessages() {
    assertThatThrownBy(() -> Limiter.of(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be >= 1, was 0");
    assertThatThrownBy(() -> Limiter.builder().name(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank, was ' '");
  }

  @Test
  void permitClosesOnce() throws Exception {
    Limiter limit = limiter(2);
    Permit p = limit.acquire();
    p.close();
    p.close();
    assertThat(p.isReleased()).isTrue();
    assertThat(limit.activeCount()).isZero();
    assertThat(limit.toString()).contains("'test'");
    assertThat(admitted(limit, 3)).isEqualTo(2); // released once: still 2 permits, not 3
  }

  @Test
  void aPermitHandedToAnotherThreadClosesOnce() throws Exception {
    Limiter limit = limiter(2);
    Permit p = limit.acquire();
    Thread other = Thread.ofVirtual().start(p::close);
    other.join(); // the hand-over: the other thread's close happens-before ours
    assertThat(p.isReleased()).isTrue();
    p.close();
    assertThat(limit.activeCount()).isZero();
    assertThat(admitted(limit, 3)).isEqualTo(2);
  }

  /** {@return how many of {@code tries} permits are granted at once (all then given back)} */
  private static int admitted(Limiter limit, int tries) {
    List<Permit> held = new ArrayList<>();
    for (int i = 0; i < tries; i++) {
      limit.tryAcquire().ifPresent(held::add);
    }
    held.forEach(Permit::close);
    return held.size();
  }
}
