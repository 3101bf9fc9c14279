package dev.weft.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.CancellationSource;
import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.task.ContextPropagator;
import dev.weft.task.DeadlineExceededException;
import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.TaskContext;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import dev.weft.time.Deadline;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The guarantees of weft's one fork engine, for the queue package: a {@link TaskGraph} run from a
 * fork, and a {@link TaskQueue} fed from a fork, give their tasks the caller's deadline, token and
 * propagated context; cancelling the caller cancels them; closing a queue from a cancelled owner
 * cancels what runs and reports what never started; nothing leaks. Real threads, latches, no
 * sleeps.
 */
class QueueGuaranteesTest {

  private static final ThreadLocal<String> REQUEST = new ThreadLocal<>();

  private static final ContextPropagator CARRY_REQUEST = ContextPropagator.threadLocal(REQUEST);

  /** What a task saw of its context. */
  private record Seen(Deadline deadline, CancellationToken token, String request) {
    static Seen now() {
      return new Seen(TaskContext.deadline(), TaskContext.token(), String.valueOf(REQUEST.get()));
    }
  }

  private static void blockForADay() throws InterruptedException {
    new CountDownLatch(1).await();
  }

  // ---- TaskGraph -------------------------------------------------------------------------------

  @RepeatedTest(3)
  void aGraphRunFromAForkGivesItsTasksTheForksDeadlineAndPropagatedContext() throws Exception {
    REQUEST.set("req-7");
    try (Scope scope =
        Scope.builder()
            .deadline(Deadline.after(Duration.ofSeconds(30)))
            .propagator(CARRY_REQUEST)
            .open()) {
      Fork<GraphResult> run =
          scope.fork(() ->
              TaskGraph.builder()
                  .task("a", Seen::now)
                  .task("b", List.of("a"), in -> Seen.now())
                  .build()
                  .run());
      scope.join();
      for (String node : List.of("a", "b")) {
        Seen seen = run.get().value(node, Seen.class);
        assertThat(seen.deadline()).isEqualTo(scope.deadline());
        assertThat(seen.request()).isEqualTo("req-7");
      }
    } finally {
      REQUEST.remove();
    }
  }

  @Test
  void aGraphRunOutsideAnyTaskBehavesAsBefore() throws Exception {
    GraphResult r = TaskGraph.builder().task("a", Seen::now).build().run();
    Seen seen = r.value("a", Seen.class);
    assertThat(seen.deadline()).isEqualTo(Deadline.never());
    assertThat(seen.token().isCancelled()).isFalse();
    assertThat(seen.request()).isEqualTo("null");
  }

  @RepeatedTest(5)
  void cancellingTheEnclosingScopeCancelsTheGraphsTasksAndRunReturnsAfterTheyStopped()
      throws Throwable {
    AtomicInteger sawCancelled = new AtomicInteger();
    AtomicInteger stopped = new AtomicInteger();
    AtomicInteger stoppedWhenRunEnded = new AtomicInteger(-1);
    AtomicBoolean childRan = new AtomicBoolean();
    CountDownLatch bothRunning = new CountDownLatch(2);
    NodeTask<Object> blocker =
        in -> {
          bothRunning.countDown();
          try {
            blockForADay();
          } catch (InterruptedException e) {
            if (TaskContext.isCancelled()) {
              sawCancelled.incrementAndGet();
            }
            throw e;
          } finally {
            stopped.incrementAndGet();
          }
          return "never";
        };
    TaskGraph graph =
        TaskGraph.builder()
            .task("x", List.of(), blocker)
            .task("y", List.of(), blocker)
            .task("child", List.of("x"), in -> childRan.getAndSet(true))
            .build();
    Leaks.assertNoLeaks(() -> {
      try (Scope scope = Scope.open()) {
        scope.fork(() -> {
          try {
            return graph.run();
          } finally {
            stoppedWhenRunEnded.set(stopped.get());
          }
        });
        bothRunning.await();
        scope.cancel();
        scope.join();
      }
    });
    assertThat(sawCancelled.get()).isEqualTo(2);
    assertThat(stoppedWhenRunEnded.get())
        .as("run() returned only after its tasks stopped")
        .isEqualTo(2);
    assertThat(childRan.get()).isFalse();
  }

  @Test
  void underFailFastAFailingNodeCancelsTheRestAndTheResultNamesIt() throws Exception {
    CountDownLatch slowRunning = new CountDownLatch(1);
    AtomicBoolean slowSawCancelled = new AtomicBoolean();
    try (Scope scope = Scope.open()) {
      Fork<GraphResult> run =
          scope.fork(() ->
              TaskGraph.builder()
                  .failFast(true)
                  .task(
                      "slow",
                      () -> {
                        slowRunning.countDown();
                        try {
                          blockForADay();
                        } catch (InterruptedException e) {
                          slowSawCancelled.set(TaskContext.isCancelled());
                          throw e;
                        }
                        return "never";
                      })
                  .task(
                      "bad",
                      () -> {
                        slowRunning.await();
                        throw new IllegalStateException("bad input");
                      })
                  .build()
                  .run());
      scope.join();
      GraphResult r = run.get();
      assertThat(r.outcome("slow")).isEqualTo(new NodeOutcome.Cancelled(true));
      assertThatThrownBy(r::throwIfFailed)
          .hasMessageContaining("bad failed (java.lang.IllegalStateException: bad input)")
          .hasMessageContaining("slow cancelled");
    }
    assertThat(slowSawCancelled.get()).isTrue();
  }

  @Test
  void aThousandCancelledGraphRunsLeakNoThread() throws Throwable {
    TaskGraph graph =
        TaskGraph.builder()
            .task(
                "block",
                () -> {
                  blockForADay();
                  return null;
                })
            .task("quick", () -> 1)
            .task("after", List.of("quick"), in -> 2)
            .build();
    Leaks.assertNoLeaks(() -> {
      for (int round = 0; round < 1_000; round++) {
        try (Scope scope = Scope.open()) {
          scope.fork(graph::run);
          scope.fork(() -> {
            scope.cancel();
            return null;
          });
          scope.join();
        }
      }
    });
  }

  @Test
  void aGraphRunUnderATokenCancelledWithoutAnInterruptEndsWithCancelledException()
      throws Throwable {
    TaskGraph graph =
        TaskGraph.builder()
            .task("one", () -> 1)
            .task("two", () -> 2)
            .task("after", List.of("one", "two"), in -> 3)
            .build();
    Leaks.assertNoLeaks(() -> {
      for (int round = 0; round < 200; round++) {
        CancellationSource source = new CancellationSource();
        if (round % 2 == 0) {
          source.cancel("before the run"); // every fork is cancelled before it begins
        }
        int r = round;
        assertThatThrownBy(() ->
                TaskContext.callWithin(
                    source.token(),
                    Deadline.never(),
                    () -> {
                      if (r % 2 == 1) {
                        source.cancel("as the run starts"); // a token, and no interrupt
                      }
                      return graph.run();
                    }))
            .isInstanceOf(CancelledException.class);
        assertThat(Thread.interrupted()).as("no interrupt was involved").isFalse();
      }
    });
  }

  // ---- TaskQueue -------------------------------------------------------------------------------

  @RepeatedTest(3)
  void aTaskSubmittedFromAForkSeesTheSubmittersDeadlineTokenAndContext() throws Throwable {
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().name("ctx").concurrency(2).build()) {
        REQUEST.set("req-9");
        try (Scope scope =
            Scope.builder()
                .deadline(Deadline.after(Duration.ofSeconds(30)))
                .propagator(CARRY_REQUEST)
                .open()) {
          Fork<Seen> seen = scope.fork(() -> q.submit(Seen::now).await());
          Fork<CancellationToken> submitterToken = scope.fork(TaskContext::token);
          scope.join();
          assertThat(seen.get().deadline()).isEqualTo(scope.deadline());
          assertThat(seen.get().token()).isSameAs(submitterToken.get());
          assertThat(seen.get().request()).isEqualTo("req-9");
        } finally {
          REQUEST.remove();
        }
        Seen outside = q.submit(Seen::now).await();
        assertThat(outside.deadline()).isEqualTo(Deadline.never());
        assertThat(outside.token()).isSameAs(CancellationToken.none());
        assertThat(outside.request()).isEqualTo("null");
      }
    });
  }

  @Test
  void aTimedAttemptSeesTheSubmittersDeadlineWithinItsTimeout() throws Exception {
    try (TaskQueue q = TaskQueue.builder().timeout(Duration.ofHours(1)).build()) {
      try (Scope scope = Scope.open(Deadline.after(Duration.ofSeconds(30)))) {
        Fork<Seen> seen = scope.fork(() -> q.submit(Seen::now).await());
        scope.join();
        assertThat(seen.get().deadline()).isEqualTo(scope.deadline()); // the earlier one
      }
    }
  }

  @RepeatedTest(5)
  void cancellingTheSubmitterCancelsItsRunningTaskAndItsQueuedOnes() throws Throwable {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch submitted = new CountDownLatch(1);
    AtomicBoolean sawCancelled = new AtomicBoolean();
    AtomicBoolean queuedRan = new AtomicBoolean();
    AtomicReference<TaskHandle<Object>> first = new AtomicReference<>();
    AtomicReference<TaskHandle<Object>> second = new AtomicReference<>();
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().name("sub").concurrency(1).build()) {
        try (Scope scope = Scope.open()) {
          scope.fork(() -> {
            first.set(
                q.submit(() -> {
                  running.countDown();
                  try {
                    blockForADay();
                  } catch (InterruptedException e) {
                    sawCancelled.set(TaskContext.isCancelled());
                    throw e;
                  }
                  return "never";
                }));
            second.set(q.submit(() -> queuedRan.getAndSet(true)));
            submitted.countDown();
            return first.get().await();
          });
          submitted.await();
          running.await();
          scope.cancel();
          scope.join();
        }
        assertThatThrownBy(first.get()::await)
            .isInstanceOf(CancelledException.class)
            .hasMessage("task 'task-0' (#0) of queue 'sub' was cancelled while running");
        assertThatThrownBy(second.get()::await)
            .isInstanceOf(CancelledException.class)
            .hasMessageStartingWith(
                "task 'task-1' (#1) of queue 'sub' was cancelled with its submitter before it"
                    + " started");
        assertThat(first.get().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(second.get().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(q.submit(() -> "still serving").await()).isEqualTo("still serving");
      }
    });
    assertThat(sawCancelled.get()).isTrue();
    assertThat(queuedRan.get()).isFalse();
  }

  @Test
  void theSubmittersDeadlinePassingCancelsItsTask() throws Throwable {
    ManualClock clock = new ManualClock();
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean sawCancelled = new AtomicBoolean();
    AtomicReference<Throwable> joined = new AtomicReference<>();
    AtomicReference<TaskHandle<Object>> handle = new AtomicReference<>();
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().name("dl").build()) {
        Thread owner =
            Thread.ofPlatform()
                .start(() -> {
                  try (Scope scope = Scope.open(Deadline.after(Duration.ofSeconds(1), clock))) {
                    scope.fork(() -> {
                      handle.set(
                          q.submit(() -> {
                            running.countDown();
                            try {
                              blockForADay();
                            } catch (InterruptedException e) {
                              sawCancelled.set(TaskContext.isCancelled());
                              throw e;
                            }
                            return "never";
                          }));
                      return handle.get().await();
                    });
                    scope.join();
                  } catch (Throwable t) {
                    joined.set(t);
                  }
                });
        running.await();
        clock.awaitParked(1); // the owner waits in join for the deadline
        clock.advance(Duration.ofSeconds(1));
        owner.join();
        assertThat(joined.get()).isInstanceOf(DeadlineExceededException.class);
        assertThatThrownBy(handle.get()::await).isInstanceOf(CancelledException.class);
      }
    });
    assertThat(sawCancelled.get()).isTrue();
  }

  @RepeatedTest(5)
  void shutdownFromACancelledOwnerCancelsRunningTasksAndReturnsTheUnstarted() throws Throwable {
    CountDownLatch running = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicReference<List<Unstarted>> left = new AtomicReference<>();
    Leaks.assertNoLeaks(() -> {
      TaskQueue q = TaskQueue.builder().name("own").concurrency(1).build();
      TaskHandle<Object> busy =
          q.submit(() -> {
            running.countDown();
            try {
              blockForADay();
            } catch (InterruptedException e) {
              interrupted.incrementAndGet();
              throw e;
            }
            return "never";
          });
      TaskHandle<Integer> waiting = q.submit(() -> 2);
      running.await();
      try (Scope scope = Scope.open()) {
        scope.fork(() -> {
          scope.cancel();
          left.set(q.shutdown(Duration.ofDays(1))); // a cancelled owner does not wait a day
          return null;
        });
        scope.join();
      }
      assertThat(left.get()).extracting(Unstarted::handle).containsExactly(waiting);
      assertThat(busy.status()).isEqualTo(TaskStatus.CANCELLED);
      assertThatThrownBy(waiting::await)
          .isInstanceOf(CancelledException.class)
          .hasMessage(
              "task 'task-1' (#1) of queue 'own' never started: the queue was shut down by a"
                  + " cancelled or interrupted owner");
    });
    assertThat(interrupted.get()).isEqualTo(1);
  }

  @Test
  void closeFromAnInterruptedOwnerCancelsRunningTasksInsteadOfWaitingForThem() throws Throwable {
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean flagKept = new AtomicBoolean();
    Leaks.assertNoLeaks(() -> {
      TaskQueue q = TaskQueue.builder().name("intr").concurrency(1).build();
      TaskHandle<Object> busy =
          q.submit(() -> {
            running.countDown();
            blockForADay();
            return "never";
          });
      TaskHandle<Integer> waiting = q.submit(() -> 2);
      running.await();
      Thread owner =
          Thread.ofPlatform()
              .start(() -> {
                Thread.currentThread().interrupt();
                q.close(); // the default close waits for every task, but not for an interrupted
                // owner
                flagKept.set(Thread.currentThread().isInterrupted());
              });
      owner.join();
      assertThat(busy.status()).isEqualTo(TaskStatus.CANCELLED);
      assertThat(waiting.status()).isEqualTo(TaskStatus.CANCELLED);
    });
    assertThat(flagKept.get()).isTrue();
  }

  @Test
  void aThousandRoundsOfCancelledSubmittersLeakNoThreadNorQueuedTask() throws Throwable {
    try (TaskQueue q = TaskQueue.builder().name("rounds").concurrency(2).build()) {
      Leaks.assertNoLeaks(
          () -> {
            for (int round = 0; round < 1_000; round++) {
              CountDownLatch running = new CountDownLatch(1);
              try (Scope scope = Scope.open()) {
                scope.fork(() -> {
                  TaskHandle<Object> h =
                      q.submit(() -> {
                        running.countDown();
                        blockForADay();
                        return null;
                      });
                  q.submit(() -> 1);
                  q.submit(() -> 2);
                  return h.await();
                });
                running.await();
                scope.cancel();
                scope.join();
              }
            }
            q.awaitIdle();
          },
          Leaks.gauge("tasks queued or running", () -> q.size() + q.running()));
    }
  }

  @Test
  void finishedTasksOfALongLivedSubmitterLeaveNoRegistrationBehind() throws Exception {
    int tasks = 10_000;
    List<WeakReference<Callable<Integer>>> sample = Collections.synchronizedList(new ArrayList<>());
    try (TaskQueue q = TaskQueue.builder().name("regs").concurrency(4).build();
        Scope scope = Scope.open()) {
      scope.fork(() -> {
        for (int i = 0; i < tasks; i++) {
          int n = i;
          Callable<Integer> task = () -> n;
          if (i % 100 == 0) {
            sample.add(new WeakReference<>(task));
          }
          q.submit(task);
        }
        q.awaitIdle();
        // the scope's token lives on; a registration kept on it would keep each task reachable
        for (int gc = 0; gc < 50 && sample.stream().anyMatch(r -> r.get() != null); gc++) {
          System.gc();
        }
        assertThat(sample).allMatch(r -> r.get() == null, "collected");
        return null;
      });
      scope.join();
    }
  }

  // ---- issue #15: a task's Error must not stall the queue ---------------------------------------

  @RepeatedTest(3)
  void aTaskThrowingAnErrorFailsWithItAndTheQueueRunsTheRestAndCloses() throws Throwable {
    List<DeadLetter> dead = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger ran = new AtomicInteger();
    Leaks.assertNoLeaks(() -> {
      TaskQueue q = TaskQueue.builder().name("err").concurrency(1).deadLetter(dead::add).build();
      q.pause();
      TaskHandle<Object> bad =
          q.submit(() -> {
            throw new AssertionError("broken invariant");
          });
      List<TaskHandle<Integer>> good = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        good.add(q.submit(ran::incrementAndGet));
      }
      q.resume();
      assertThat(q.awaitIdle(Duration.ofSeconds(10))).as("idle (a hang guard)").isTrue();
      assertThat(q.size()).isZero();
      assertThat(q.running()).isZero();
      assertThat(ran.get()).isEqualTo(5);
      assertThatThrownBy(bad::await)
          .isInstanceOf(AssertionError.class)
          .hasMessage("broken invariant");
      assertThat(bad.status()).isEqualTo(TaskStatus.FAILED);
      q.close();
      assertThat(q.progress().failed()).isEqualTo(1);
      assertThat(q.progress().succeeded()).isEqualTo(5);
    });
    assertThat(dead)
        .singleElement()
        .satisfies(d -> assertThat(d.error()).isInstanceOf(AssertionError.class));
  }

  @Test
  void errorsDoNotCostTheQueueItsWorkers() throws Throwable {
    AtomicInteger ran = new AtomicInteger();
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().name("errs").concurrency(2).build()) {
        q.pause();
        for (int i = 0; i < 4; i++) {
          q.submit(() -> {
            throw new StackOverflowError("deep");
          });
        }
        for (int i = 0; i < 5; i++) {
          q.submit(ran::incrementAndGet);
        }
        q.resume();
        assertThat(q.awaitIdle(Duration.ofSeconds(10))).as("idle (a hang guard)").isTrue();
        assertThat(ran.get()).isEqualTo(5);
        assertThat(q.progress().failed()).isEqualTo(4);
      }
    });
  }
}
