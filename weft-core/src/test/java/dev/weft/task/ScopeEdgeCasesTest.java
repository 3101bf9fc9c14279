package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.observe.Event;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import dev.weft.time.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The edge cases of issue 3, item 7. */
class ScopeEdgeCasesTest {

  @Test
  void aTaskThatIgnoresInterruptsKeepsCloseWaitingAndIsReportedWithItsStack() throws Throwable {
    ManualClock clock = new ManualClock();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch reported = new CountDownLatch(1);
    List<Event> events = new CopyOnWriteArrayList<>();
    AtomicBoolean closed = new AtomicBoolean();
    Leaks.assertNoLeaks(() -> {
      Thread owner =
          Thread.ofPlatform()
              .start(() -> {
                try (var scope =
                    Scope.builder()
                        .name("stubborn")
                        .time(clock)
                        .stuckGrace(Duration.ofSeconds(5))
                        .listener(e -> {
                          events.add(e);
                          reported.countDown();
                        })
                        .open()) {
                  scope.fork(
                      "ignores-interrupts",
                      () -> {
                        running.countDown();
                        return ignoreInterrupts(release, interrupted);
                      });
                  running.await(); // so that close() interrupts it rather than never starting it
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                } // close: cancels, then waits for the stubborn fork
                closed.set(true);
              });
      interrupted.await(); // close() has cancelled the fork
      clock.awaitParked(1); // the owner waits out the grace period on the clock
      clock.advance(Duration.ofSeconds(5));
      reported.await();
      assertThat(closed).isFalse(); // still waiting for the stuck fork
      release.countDown();
      owner.join();
      assertThat(closed).isTrue();
    });
    assertThat(events).hasSize(1);
    StuckTaskEvent stuck = (StuckTaskEvent) events.getFirst();
    assertThat(stuck.source()).isEqualTo("stubborn");
    assertThat(stuck.taskName()).isEqualTo("ignores-interrupts");
    assertThat(stuck.thread()).isEqualTo("weft-scope");
    assertThat(stuck.grace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(stuck.stack())
        .anySatisfy(e -> assertThat(e.getMethodName()).isEqualTo("ignoreInterrupts"));
  }

  private static String ignoreInterrupts(CountDownLatch release, CountDownLatch interrupted) {
    while (true) {
      try {
        release.await();
        return "released";
      } catch (InterruptedException e) {
        interrupted.countDown(); // and carry on regardless
      }
    }
  }

  @Test
  void aTaskForkingIntoTheScopeAfterCloseStartedIsRejected() throws Exception {
    AtomicReference<Throwable> rejected = new AtomicReference<>();
    AtomicReference<Scope> scopeRef = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    try (var scope = Scope.open()) {
      scopeRef.set(scope);
      scope.fork(() -> {
        try {
          started.countDown();
          return ScopeTest.blockUntilInterrupted();
        } catch (InterruptedException closing) {
          rejected.set(ScopeTest.catching(() -> scopeRef.get().fork(() -> "late")));
          throw closing;
        }
      });
      started.await();
    }
    assertThat(rejected.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("close() has started");
    assertThat(scopeRef.get().forks()).hasSize(1);
  }

  @Test
  void aForkCannotForkIntoItsOwnScope() {
    AtomicReference<Scope> scopeRef = new AtomicReference<>();
    try (var scope = Scope.open()) {
      scopeRef.set(scope);
      Fork<Throwable> attempt =
          scope.fork(() -> ScopeTest.catching(() -> scopeRef.get().fork(() -> 1)));
      scope.join();
      assertThat(attempt.get())
          .isInstanceOf(WrongThreadException.class)
          .hasMessageContaining("is owned by thread '" + Thread.currentThread().getName() + "'");
    }
  }

  @Test
  void exceptionsFromCancellationCallbacksAreAttachedToTheFailure() throws Exception {
    CountDownLatch registered = new CountDownLatch(1);
    AtomicInteger otherCallbackRuns = new AtomicInteger();
    IllegalStateException callbackFailure = new IllegalStateException("callback broke");
    IllegalArgumentException taskFailure = new IllegalArgumentException("task broke");
    try (var scope = Scope.open()) {
      scope.fork(() -> {
        TaskContext.token()
            .onCancel(() -> {
              throw callbackFailure;
            });
        TaskContext.token().onCancel(otherCallbackRuns::incrementAndGet);
        registered.countDown();
        return ScopeTest.blockUntilInterrupted();
      });
      registered.await();
      scope.fork(() -> {
        throw taskFailure;
      });
      assertThatThrownBy(scope::join).isSameAs(taskFailure);
    }
    assertThat(taskFailure.getSuppressed()).contains(callbackFailure);
    assertThat(otherCallbackRuns).hasValue(1);
  }

  @Test
  void nestedScopesThreeDeepNeverOutliveTheParentDeadline() throws Throwable {
    ManualClock clock = new ManualClock();
    AtomicReference<Deadline> innermostSaw = new AtomicReference<>();
    AtomicReference<Deadline> middle = new AtomicReference<>();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicInteger stopped = new AtomicInteger();
    CountDownLatch innermostRunning = new CountDownLatch(1);
    Leaks.assertNoLeaks(() -> {
      Thread owner =
          Thread.ofPlatform()
              .start(() -> {
                try (var outer = Scope.open(Deadline.after(Duration.ofSeconds(10), clock))) {
                  outer.fork(() -> {
                    try (var mid = Scope.open(Deadline.after(Duration.ofSeconds(5), clock))) {
                      middle.set(mid.deadline());
                      mid.fork(() -> {
                        try (var inner =
                            Scope.open(Deadline.after(Duration.ofSeconds(20), clock))) {
                          inner.fork(() -> {
                            innermostSaw.set(TaskContext.deadline());
                            innermostRunning.countDown();
                            try {
                              return ScopeTest.blockUntilInterrupted();
                            } finally {
                              stopped.incrementAndGet();
                            }
                          });
                          inner.join();
                          return "inner";
                        }
                      });
                      mid.join();
                      return "mid";
                    }
                  });
                  outer.join();
                } catch (Throwable t) {
                  thrown.set(t);
                }
              });
      innermostRunning.await();
      clock.awaitParked(3); // the three owners wait on the clock
      assertThat(innermostSaw.get()).isSameAs(middle.get()); // 20 s asked, 5 s given
      assertThat(innermostSaw.get().remaining()).isEqualTo(Duration.ofSeconds(5));
      clock.advance(Duration.ofSeconds(5));
      owner.join();
    });
    assertThat(thrown.get()).isInstanceOf(DeadlineExceededException.class);
    assertThat(stopped).hasValue(1);
  }

  @Test
  void oneHundredThousandConcurrentSleepingTasksComplete() throws Throwable {
    ManualClock clock = new ManualClock();
    int n = 100_000;
    AtomicReference<List<Integer>> out = new AtomicReference<>();
    Leaks.assertNoLeaks(() -> {
      Thread owner =
          Thread.ofPlatform()
              .start(() ->
                  out.set(
                      Tasks.all(
                          IntStream.range(0, n).boxed().toList(),
                          i -> {
                            clock.sleep(Duration.ofSeconds(1));
                            return i;
                          })));
      clock.awaitParked(n); // all of them asleep at once
      clock.advance(Duration.ofSeconds(1));
      owner.join();
    });
    assertThat(out.get()).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(out.get().get(i)).isEqualTo(i);
    }
  }

  @Test
  void anInterruptedCallerCancelsTheTasksAndKeepsItsInterrupt() throws Throwable {
    int n = 8;
    CountDownLatch started = new CountDownLatch(n);
    AtomicInteger stopped = new AtomicInteger();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    AtomicInteger stoppedWhenCallerReturned = new AtomicInteger(-1);
    Leaks.assertNoLeaks(() -> {
      Thread caller =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  Tasks.all(
                      IntStream.range(0, n).boxed().toList(),
                      i -> {
                        started.countDown();
                        try {
                          return ScopeTest.blockUntilInterrupted();
                        } finally {
                          stopped.incrementAndGet();
                        }
                      });
                } catch (Throwable t) {
                  stoppedWhenCallerReturned.set(stopped.get());
                  stillInterrupted.set(Thread.currentThread().isInterrupted());
                  thrown.set(t);
                }
              });
      started.await();
      caller.interrupt();
      caller.join();
    });
    assertThat(thrown.get())
        .isInstanceOf(CancelledException.class)
        .hasMessageContaining("was interrupted while waiting")
        .hasMessageContaining(n + " of " + n + " tasks cancelled");
    assertThat(stillInterrupted).isTrue();
    assertThat(stoppedWhenCallerReturned).hasValue(n);
  }

  @Test
  void anExecutorThreadDoesNotKeepTheCancellationInterrupt() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch started = new CountDownLatch(1);
      try (var scope = Scope.builder().executor(pool).open()) {
        Fork<String> fork =
            scope.fork(() -> {
              started.countDown();
              return ScopeTest.blockUntilInterrupted();
            });
        started.await();
        scope.cancel();
        scope.join();
        assertThat(fork.state()).isEqualTo(Fork.State.CANCELLED);
      }
      assertThat(pool.submit(() -> Thread.currentThread().isInterrupted()).get()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRejectingExecutorFailsTheFork() {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    pool.shutdown();
    try (var scope = Scope.builder().executor(pool).collectAll().open()) {
      Fork<String> fork = scope.fork(() -> "never");
      scope.join();
      assertThat(fork.state()).isEqualTo(Fork.State.FAILED);
      assertThatThrownBy(fork::get)
          .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }
  }
}
