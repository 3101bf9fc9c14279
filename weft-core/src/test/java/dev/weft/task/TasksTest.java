package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.ManualClock;
import dev.weft.time.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TasksTest {

  @Test
  void allReturnsValuesInInputOrder() {
    assertThat(Tasks.all(() -> 1, () -> 2, () -> 3)).containsExactly(1, 2, 3);
    List<Callable<String>> tasks = List.of(() -> "a", () -> null, () -> "c");
    assertThat(Tasks.all(tasks)).containsExactly("a", null, "c");
    List<Integer> ids = IntStream.range(0, 500).boxed().toList();
    assertThat(Tasks.all(ids, id -> id * 2))
        .containsExactlyElementsOf(ids.stream().map(i -> i * 2).toList());
  }

  @Test
  void emptyInputGivesEmptyResults() {
    assertThat(Tasks.all(List.<Callable<String>>of())).isEmpty();
    assertThat(Tasks.all(List.<Integer>of(), id -> id)).isEmpty();
    assertThat(Tasks.allSettled(List.<Integer>of(), 3, id -> id)).isEmpty();
    assertThatThrownBy(() -> Tasks.race(List.<Callable<String>>of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Tasks.race needs at least one task, was given 0");
    assertThatThrownBy(() -> Tasks.any(List.<Integer>of(), id -> id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Tasks.any needs at least one task, was given 0");
  }

  @Test
  void allThrowsTheFirstFailureUnchangedAndCancelsTheRest() {
    IllegalArgumentException boom = new IllegalArgumentException("bad id");
    assertThatThrownBy(() ->
            Tasks.all(
                ScopeTest::blockUntilInterrupted,
                () -> {
                  throw boom;
                },
                ScopeTest::blockUntilInterrupted))
        .isSameAs(boom);
  }

  @Test
  void allWrapsACheckedFailureNamingTheItem() {
    assertThatThrownBy(() ->
            Tasks.all(
                List.of(1, 2, 3),
                id -> {
                  if (id == 2) {
                    throw new IOException("no " + id);
                  }
                  return id;
                }))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageStartingWith("task #1 failed after")
        .hasRootCauseMessage("no 2");
  }

  @Test
  void allSettledKeepsEveryOutcome() {
    List<Settled<Integer>> out =
        Tasks.allSettled(
            List.of(1, 2, 3),
            id -> {
              if (id == 2) {
                throw new IOException("no 2");
              }
              return id;
            });
    assertThat(out).hasSize(3);
    assertThat(out.get(0)).isEqualTo(Settled.success(1));
    assertThat(out.get(1))
        .isInstanceOfSatisfying(
            Settled.Failure.class, f -> assertThat(f.cause()).hasMessage("no 2"));
    assertThat(out.get(2).getOrThrow()).isEqualTo(3);
  }

  @Test
  void raceReturnsTheFirstToSettleAndCancelsTheOthers() {
    assertThat(Tasks.race(ScopeTest::blockUntilInterrupted, () -> "fast")).isEqualTo("fast");
    assertThatThrownBy(() ->
            Tasks.race(
                ScopeTest::blockUntilInterrupted,
                () -> {
                  throw new IllegalStateException("first");
                }))
        .hasMessage("first");
  }

  @Test
  void anyReturnsTheFirstSuccess() {
    assertThat(
            Tasks.any(
                () -> {
                  throw new IOException("a");
                },
                () -> "b",
                ScopeTest::blockUntilInterrupted))
        .isEqualTo("b");
  }

  @Test
  void anyThrowsEveryFailureWhenAllFail() {
    assertThatThrownBy(() ->
            Tasks.any(
                List.of(1, 2, 3),
                id -> {
                  throw new IOException("no " + id);
                }))
        .isInstanceOfSatisfying(
            FanOutException.class,
            e -> {
              assertThat(e.failed()).isEqualTo(3);
              assertThat(e.succeeded()).isZero();
              assertThat(e.getSuppressed()).hasSize(3);
              assertThat(e).hasMessageContaining("3 tasks: 0 succeeded, 3 failed, 0 cancelled");
            });
  }

  @Test
  void theConcurrencyLimitIsNeverExceeded() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Integer> ids = IntStream.range(0, 300).boxed().toList();
    List<Integer> out =
        Tasks.all(
            ids,
            4,
            id -> {
              int now = running.incrementAndGet();
              max.accumulateAndGet(now, Math::max);
              Thread.yield();
              running.decrementAndGet();
              return id;
            });
    assertThat(out).containsExactlyElementsOf(ids);
    assertThat(max.get()).isBetween(1, 4);
  }

  @Test
  void theConcurrencyLimitIsValidated() {
    assertThatThrownBy(() -> Tasks.all(List.of(1), 0, id -> id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("concurrency must be >= 1, was 0");
  }

  @Test
  void withTimeoutReturnsTheValueInTime() {
    assertThat(Tasks.withTimeout(Duration.ofSeconds(30), () -> "done")).isEqualTo("done");
  }

  @Test
  void withTimeoutThrowsOnlyAfterTheTaskStopped() throws Exception {
    ManualClock clock = new ManualClock();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    CountDownLatch taskStopped = new CountDownLatch(1);
    CountDownLatch taskStarted = new CountDownLatch(1);
    List<Long> stoppedBeforeReturn = new ArrayList<>();
    Thread caller =
        Thread.ofPlatform()
            .start(() -> {
              try {
                Tasks.withTimeout(
                    Deadline.after(Duration.ofSeconds(1), clock),
                    () -> {
                      try {
                        taskStarted.countDown();
                        return ScopeTest.blockUntilInterrupted();
                      } finally {
                        taskStopped.countDown();
                      }
                    });
              } catch (Throwable t) {
                stoppedBeforeReturn.add(taskStopped.getCount());
                thrown.set(t);
              }
            });
    taskStarted.await();
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(1));
    caller.join();
    assertThat(thrown.get())
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessageContaining("deadline of PT1S exceeded in scope 'Tasks.withTimeout'");
    assertThat(stoppedBeforeReturn).containsExactly(0L);
  }
}
