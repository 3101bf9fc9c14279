package dev.weft.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.Settled;
import dev.weft.task.TaskFailedException;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Gatherers;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class GatherTest {

  /** Blocks "for a day": returns only when interrupted. */
  private static <T> T blockUntilInterrupted(AtomicInteger interrupted) {
    try {
      new CountDownLatch(1).await();
      throw new AssertionError("unreachable");
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @RepeatedTest(20)
  void orderedKeepsInputOrderAndNeverExceedsTheLimit() throws Throwable {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Leaks.assertNoLeaks(() -> {
      List<Integer> out =
          IntStream.range(0, 500)
              .boxed()
              .gather(
                  Gather.mapConcurrent(
                      8,
                      i -> {
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        Thread.yield();
                        inFlight.decrementAndGet();
                        return i * 2;
                      }))
              .toList();
      assertThat(out).isEqualTo(IntStream.range(0, 500).map(i -> i * 2).boxed().toList());
    });
    assertThat(maxInFlight.get()).isBetween(1, 8);
  }

  @Test
  void aStageThatStopsEndsTheStagesAfterItInTheSameStreamBeforeTheStreamReturns() throws Exception {
    // the caller waits in the first stage for item 2 while the second stage's forks block: an
    // interrupt stops the first stage, which must end the second, though the stream tells it
    // nothing
    for (int round = 0; round < 50; round++) {
      AtomicInteger running = new AtomicInteger();
      CountDownLatch started = new CountDownLatch(3);
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicInteger runningAtReturn = new AtomicInteger(-1);
      TaskFunctionBlock block =
          i -> {
            running.incrementAndGet();
            try {
              started.countDown();
              new CountDownLatch(1).await();
              return i;
            } finally {
              running.decrementAndGet();
            }
          };
      Thread caller =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  List.of(0, 1, 2).stream()
                      .gather(Gather.mapConcurrent(4, (Integer i) -> i == 2 ? block.apply(i) : i))
                      .gather(Gather.mapConcurrent(4, (Integer i) -> block.apply(i)))
                      .forEach(i -> {});
                } catch (Throwable t) {
                  thrown.set(t);
                } finally {
                  runningAtReturn.set(running.get());
                }
              });
      started.await();
      caller.interrupt();
      caller.join();
      assertThat(thrown.get()).as("round %d", round).isInstanceOf(CancellationException.class);
      assertThat(runningAtReturn.get()).as("forks running when the stream returned").isZero();
    }
  }

  private interface TaskFunctionBlock {
    Integer apply(Integer i) throws InterruptedException;
  }

  @Test
  void aSlowHeadElementCannotMakeTheOrderedStageHoldMoreThanItsWindow() throws Throwable {
    int limit = 4;
    int window = 10;
    CountDownLatch head = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicReference<List<Integer>> out = new AtomicReference<>();
    Thread streamThread =
        Thread.ofPlatform()
            .start(() ->
                out.set(
                    Stream.iterate(0, i -> i + 1)
                        .limit(1000)
                        .gather(
                            Gather.mapConcurrent(
                                MapSettings.limit(limit).withWindow(window),
                                i -> {
                                  started.incrementAndGet();
                                  if (i == 0) {
                                    head.await();
                                  }
                                  finished.incrementAndGet();
                                  return i;
                                }))
                        .toList()));
    // Wait until every started element but the head has finished and the stream's thread is parked:
    // an unbounded buffer would have kept pulling the (1000-element) source instead.
    while (!(finished.get() == window - 1 && streamThread.getState() == Thread.State.WAITING)) {
      assertThat(streamThread.isAlive()).isTrue();
      Thread.onSpinWait();
    }
    assertThat(started.get()).isEqualTo(window);
    head.countDown();
    streamThread.join();
    assertThat(out.get()).hasSize(1000).isSorted();
  }

  @Test
  void unorderedEmitsResultsWhileASlowElementIsStillRunning() throws Throwable {
    CountDownLatch othersSeen = new CountDownLatch(9);
    List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    Leaks.assertNoLeaks(() ->
        IntStream.range(0, 10)
            .boxed()
            .gather(
                Gather.mapConcurrentUnordered(
                    10,
                    i -> {
                      if (i == 0 && !othersSeen.await(60, TimeUnit.SECONDS)) {
                        throw new AssertionError("results were held back behind the slow element");
                      }
                      return i;
                    }))
            .forEach(i -> {
              seen.add(i);
              othersSeen.countDown();
            }));
    assertThat(seen).hasSize(10).endsWith(0);
  }

  @RepeatedTest(10)
  void aFailureCancelsEveryOtherElementAtOnceAndSurfacesUnchanged() throws Throwable {
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger startedOthers = new AtomicInteger();
    CountDownLatch othersRunning = new CountDownLatch(7);
    Leaks.assertNoLeaks(() ->
        assertThatThrownBy(() ->
                IntStream.range(0, 100)
                    .boxed()
                    .gather(
                        Gather.mapConcurrent(
                            8,
                            i -> {
                              if (i == 2) {
                                othersRunning.await();
                                throw new IllegalArgumentException("bad element 2");
                              }
                              startedOthers.incrementAndGet();
                              othersRunning.countDown();
                              return GatherTest.<Integer>blockUntilInterrupted(interrupted);
                            }))
                    .toList())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("bad element 2"));
    assertThat(startedOthers.get()).isEqualTo(7);
    assertThat(interrupted.get()).isEqualTo(7);
  }

  @Test
  void aCheckedFailureIsWrappedWithTheElementsPosition() {
    assertThatThrownBy(() ->
            Stream.of("a", "b", "c")
                .gather(
                    Gather.mapConcurrentUnordered(
                        2,
                        s -> {
                          if (s.equals("c")) {
                            throw new IOException("reset");
                          }
                          return s;
                        }))
                .toList())
        .isInstanceOf(TaskFailedException.class)
        .hasMessageStartingWith("task #2 failed after ")
        .hasMessageEndingWith(": java.io.IOException: reset")
        .hasCauseInstanceOf(IOException.class)
        .satisfies(e -> assertThat(((TaskFailedException) e).index()).hasValue(2));
  }

  @Test
  void failFastWorksInsideALongerPipelineAndCancelsTheSlowOnes() throws Throwable {
    AtomicInteger interrupted = new AtomicInteger();
    Leaks.assertNoLeaks(() ->
        assertThatThrownBy(() ->
                IntStream.range(0, 1_000)
                    .boxed()
                    .filter(i -> i % 2 == 0)
                    .gather(
                        Gather.mapConcurrentUnordered(
                            16,
                            i -> {
                              if (i == 4) {
                                throw new IllegalStateException("third element failed");
                              }
                              return GatherTest.<Integer>blockUntilInterrupted(interrupted);
                            }))
                    .map(i -> i + 1)
                    .gather(Gatherers.windowFixed(2))
                    .toList())
            .hasMessage("third element failed"));
  }

  @RepeatedTest(5)
  void shortCircuitingDownstreamCancelsWhatStillRuns() throws Throwable {
    AtomicInteger interrupted = new AtomicInteger();
    Leaks.assertNoLeaks(() -> {
      List<Integer> firstThree =
          Stream.iterate(0, i -> i + 1)
              .gather(
                  Gather.mapConcurrentUnordered(
                      8, i -> i < 3 ? i : GatherTest.<Integer>blockUntilInterrupted(interrupted)))
              .limit(3)
              .toList();
      assertThat(firstThree).containsExactlyInAnyOrder(0, 1, 2);
    });
  }

  @Test
  void anExceptionThrownDownstreamCancelsTheStage() throws Throwable {
    AtomicInteger interrupted = new AtomicInteger();
    CountDownLatch othersStarted = new CountDownLatch(3);
    Leaks.assertNoLeaks(() ->
        assertThatThrownBy(() ->
                Stream.iterate(0, i -> i + 1)
                    .gather(
                        Gather.mapConcurrent(
                            4,
                            i -> {
                              if (i == 0) {
                                othersStarted.await();
                                return i;
                              }
                              othersStarted.countDown();
                              return GatherTest.<Integer>blockUntilInterrupted(interrupted);
                            }))
                    .forEach(i -> {
                      throw new UnsupportedOperationException("consumer failed on " + i);
                    }))
            .hasMessage("consumer failed on 0"));
    assertThat(interrupted.get()).isEqualTo(3);
  }

  @Test
  void theSettleFormEmitsEveryOutcomeInOrderAndCancelsNothing() {
    IOException io = new IOException("no 3");
    List<Settled<Integer>> out =
        IntStream.range(0, 6)
            .boxed()
            .gather(
                Gather.mapConcurrentSettled(
                    MapSettings.limit(3),
                    i -> {
                      if (i == 3) {
                        throw io;
                      }
                      return i * 10;
                    }))
            .toList();
    assertThat(out)
        .containsExactly(
            Settled.success(0),
            Settled.success(10),
            Settled.success(20),
            Settled.failure(io),
            Settled.success(40),
            Settled.success(50));
  }

  @Test
  void composesWithTheJdksGatherers() {
    List<Integer> sums =
        IntStream.rangeClosed(1, 6)
            .boxed()
            .gather(
                Gatherers.<Integer>windowFixed(2)
                    .andThen(Gather.mapConcurrent(3, w -> w.get(0) + w.get(1))))
            .gather(Gatherers.scan(() -> 0, Integer::sum))
            .toList();
    assertThat(sums).containsExactly(3, 10, 21);
  }

  @Test
  void mapOnCpuKeepsOrder() {
    List<Integer> out =
        IntStream.range(0, 1000).boxed().gather(Gather.mapOnCpu(i -> i * i)).toList();
    assertThat(out).isEqualTo(IntStream.range(0, 1000).map(i -> i * i).boxed().toList());
  }

  @RepeatedTest(5)
  void mapOnCpuKeepsOrderOverManyTinyElementsInGrowingChunks() {
    List<Integer> out =
        IntStream.range(0, 200_000).boxed().gather(Gather.mapOnCpu(i -> i * 3 + 1)).toList();
    assertThat(out).isEqualTo(IntStream.range(0, 200_000).map(i -> i * 3 + 1).boxed().toList());
  }

  @RepeatedTest(5)
  void mapOnCpuThrowsTheFirstFailureWithItsPositionAndStopsPulling() {
    // Unemitted chunks (the failed one among them) are at most 2 per pool slot, each at most
    // MAX_CHUNK elements, plus the open one: the stage never pulls further past the failure.
    int bound = 50_000 + (4 * Parallel.threads() + 1) * CpuMap.MAX_CHUNK;
    AtomicInteger pulled = new AtomicInteger();
    assertThatThrownBy(() ->
            IntStream.range(0, bound + 100_000)
                .boxed()
                .peek(pulled::set)
                .gather(
                    Gather.mapOnCpu(i -> {
                      if (i == 50_000) {
                        throw new IOException("bad " + i);
                      }
                      return i;
                    }))
                .toList())
        .isInstanceOf(TaskFailedException.class)
        .hasMessageContaining("#50000")
        .cause()
        .hasMessage("bad 50000");
    assertThat(pulled.get()).isLessThanOrEqualTo(bound);
  }

  @Test
  void mapOnCpuStopsPullingWhenDownstreamShortCircuits() {
    List<Integer> out =
        Stream.iterate(0, i -> i + 1).gather(Gather.mapOnCpu(i -> i * 2)).limit(10).toList();
    assertThat(out).containsExactly(0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
  }

  @Test
  void parallelCallsInsideMapOnCpuRunInlineOnThePoolThread() {
    List<Integer> out =
        IntStream.range(0, 64)
            .boxed()
            .gather(
                Gather.mapOnCpu((Integer i) -> {
                  Thread mine = Thread.currentThread();
                  List<Boolean> inline =
                      Parallel.map(List.of(1, 2, 3), j -> Thread.currentThread() == mine);
                  return inline.contains(false) ? -1 : i;
                }))
            .toList();
    assertThat(out).isEqualTo(IntStream.range(0, 64).boxed().toList());
  }

  @Test
  void aLongStreamThatRunsDryReplacesItsScopeAndStillNamesTheStreamPosition() throws Throwable {
    int n = 3 * InFlight.ROTATE_AFTER;
    Leaks.assertNoLeaks(() -> {
      // a limit of 1 runs dry before every element: the stage changes scope every ROTATE_AFTER
      List<Integer> out =
          IntStream.range(0, n).boxed().gather(Gather.mapConcurrent(1, i -> i + 1)).toList();
      assertThat(out).isEqualTo(IntStream.range(1, n + 1).boxed().toList());
      int failing = n - 7;
      assertThatThrownBy(() ->
              IntStream.range(0, n)
                  .boxed()
                  .gather(
                      Gather.mapConcurrent(
                          1,
                          i -> {
                            if (i == failing) {
                              throw new IOException("element " + i);
                            }
                            return i;
                          }))
                  .toList())
          .isInstanceOf(TaskFailedException.class)
          .satisfies(e -> assertThat(((TaskFailedException) e).index()).hasValue(failing));
    });
  }

  @Test
  void batchesBySizeAndFlushesTheRemainder() {
    assertThat(IntStream.range(0, 7).boxed().gather(Gather.batch(3, Duration.ofDays(1))).toList())
        .containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6));
  }

  @Test
  void batchesCloseEarlyOnceMaxWaitHasPassed() {
    ManualClock clock = new ManualClock();
    List<List<Integer>> out =
        IntStream.range(0, 6)
            .boxed()
            .peek(i -> {
              if (i == 2 || i == 3) {
                clock.advance(Duration.ofMillis(200));
              }
            })
            .gather(Gather.batch(100, Duration.ofMillis(200), clock))
            .toList();
    assertThat(out).containsExactly(List.of(0, 1), List.of(2), List.of(3, 4, 5));
  }

  @Test
  void badSettingsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> Gather.mapConcurrent(0, x -> x))
        .hasMessage("limit must be >= 1, was 0");
    assertThatThrownBy(() -> MapSettings.limit(4).withWindow(3))
        .hasMessage("window must be >= limit (4), was 3");
    assertThatThrownBy(() -> Gather.batch(0, Duration.ofSeconds(1)))
        .hasMessage("size must be >= 1, was 0");
    assertThatThrownBy(() -> Gather.batch(1, Duration.ZERO))
        .hasMessage("maxWait must be > 0, was PT0S");
  }
}
