package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, item 8: after any combinator returns or throws, no thread it started is alive and no
 * task keeps running; fail-fast cancellation reaches every sibling. Many rounds, real threads.
 */
class GuaranteesTest {

  private static final int ROUNDS = 200;

  /** Counts tasks inside their body; each round must end with it back at zero. */
  private final AtomicInteger running = new AtomicInteger();

  private final AtomicInteger cancelled = new AtomicInteger();

  private Callable<Integer> blocking(CountDownLatch started) {
    return () -> {
      running.incrementAndGet();
      try {
        started.countDown();
        return ScopeTest.blockUntilInterrupted() == null ? 0 : 1;
      } catch (InterruptedException e) {
        cancelled.incrementAndGet();
        throw e;
      } finally {
        running.decrementAndGet();
      }
    };
  }

  private Callable<Integer> failing(CountDownLatch started, RuntimeException failure) {
    return () -> {
      running.incrementAndGet();
      try {
        started.await(); // fail once every sibling is running, so each must be cancelled
        throw failure;
      } finally {
        running.decrementAndGet();
      }
    };
  }

  @Test
  void failFastCancellationReachesEverySiblingAndNothingOutlivesTheCall() throws Throwable {
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(42);
    for (int round = 0; round < ROUNDS; round++) {
      int siblings = 1 + random.nextInt(20);
      int failAt = random.nextInt(siblings + 1);
      cancelled.set(0);
      CountDownLatch started = new CountDownLatch(siblings);
      IllegalStateException failure = new IllegalStateException("round " + round);
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < siblings; i++) {
        tasks.add(blocking(started));
      }
      tasks.add(failAt, failing(started, failure));
      Leaks.assertNoLeaks(
          () -> assertThatThrownBy(() -> Tasks.all(tasks)).isSameAs(failure),
          Leaks.gauge("tasks running", running::get));
      assertThat(cancelled.get()).as("round %d cancelled siblings", round).isEqualTo(siblings);
    }
  }

  @Test
  void raceAnyAndTimeoutLeaveNothingRunning() throws Throwable {
    for (int round = 0; round < ROUNDS; round++) {
      int losers = 1 + round % 7;
      CountDownLatch started = new CountDownLatch(losers);
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < losers; i++) {
        tasks.add(blocking(started));
      }
      tasks.add(
          round % 2,
          () -> {
            started.await();
            return -1;
          });
      Leaks.assertNoLeaks(
          () -> {
            assertThat(Tasks.race(tasks)).isEqualTo(-1);
          },
          Leaks.gauge("tasks running", running::get));
      CountDownLatch again = new CountDownLatch(losers);
      List<Callable<Integer>> anyTasks = new ArrayList<>();
      for (int i = 0; i < losers; i++) {
        anyTasks.add(blocking(again));
      }
      anyTasks.add(() -> {
        again.await();
        throw new IllegalStateException("fails first");
      });
      anyTasks.add(() -> {
        again.await();
        return 7;
      });
      Leaks.assertNoLeaks(
          () -> assertThat(Tasks.any(anyTasks)).isEqualTo(7),
          Leaks.gauge("tasks running", running::get));
      CountDownLatch one = new CountDownLatch(1);
      Leaks.assertNoLeaks(
          () ->
              assertThatThrownBy(() -> Tasks.withTimeout(Duration.ofMillis(1), blocking(one)))
                  .isInstanceOf(DeadlineExceededException.class),
          Leaks.gauge("tasks running", running::get));
    }
  }

  @Test
  void allSettledWithALimitRunsEverythingAndLeavesNothing() throws Throwable {
    for (int round = 0; round < 50; round++) {
      int n = 1 + round * 3;
      int limit = 1 + round % 5;
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxInFlight = new AtomicInteger();
      List<Integer> items = java.util.stream.IntStream.range(0, n).boxed().toList();
      List<List<Settled<Integer>>> out = new ArrayList<>();
      Leaks.assertNoLeaks(
          () ->
              out.add(
                  Tasks.allSettled(
                      items,
                      limit,
                      i -> {
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        try {
                          if (i % 3 == 0) {
                            throw new IllegalArgumentException("item " + i);
                          }
                          return i;
                        } finally {
                          inFlight.decrementAndGet();
                        }
                      })),
          Leaks.gauge("in flight", inFlight::get));
      List<Settled<Integer>> settled = out.getFirst();
      assertThat(settled).hasSize(n);
      for (int i = 0; i < n; i++) {
        assertThat(settled.get(i).isSuccess()).isEqualTo(i % 3 != 0);
      }
      assertThat(maxInFlight.get()).isLessThanOrEqualTo(limit);
    }
  }
}
