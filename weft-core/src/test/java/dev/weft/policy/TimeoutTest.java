package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.DeadlineExceededException;
import dev.weft.task.TaskContext;
import dev.weft.task.TaskFailedException;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TimeoutTest {

  private final ManualClock clock = new ManualClock();
  private final Events events = new Events();

  private Timeout timeout(Duration d) {
    return Timeout.of(d).withName("report").withTimeSource(clock).withListener(events);
  }

  @Test
  void returnsTheValueAndLeavesNoInterruptBehind() throws Throwable {
    Leaks.assertNoLeaks(() -> {
      for (int i = 0; i < 100; i++) {
        String v = timeout(Duration.ofSeconds(1)).call(() -> "done");
        assertThat(v).isEqualTo("done");
        assertThat(Thread.interrupted()).isFalse();
      }
    });
  }

  @Test
  void theWorkSeesTheDeadline() {
    Duration seen = timeout(Duration.ofSeconds(5)).call(TaskContext::remaining);
    assertThat(seen).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void failuresOfTheWorkComeBackUnwrapped() {
    assertThatThrownBy(() ->
            timeout(Duration.ofSeconds(1))
                .call(() -> {
                  throw new IOException("io");
                }))
        .isInstanceOf(TaskFailedException.class)
        .hasCauseInstanceOf(IOException.class);
    IllegalStateException bug = new IllegalStateException();
    assertThatThrownBy(() ->
            timeout(Duration.ofSeconds(1))
                .call(() -> {
                  throw bug;
                }))
        .isSameAs(bug);
  }

  @Test
  void atTheDeadlineTheWorkIsInterruptedAndItsTokenCancelled() throws Throwable {
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean tokenCancelled = new AtomicBoolean();
    CountDownLatch forever = new CountDownLatch(1);
    Async<Object> call =
        Async.start(() ->
            timeout(Duration.ofSeconds(2))
                .call(() -> {
                  try {
                    forever.await();
                    return "never";
                  } catch (InterruptedException e) {
                    interrupted.set(true);
                    tokenCancelled.set(TaskContext.isCancelled());
                    throw e;
                  }
                }));
    clock.awaitParked(1); // the scope's owner waits on the clock
    clock.advance(Duration.ofSeconds(2));
    assertThat(call.failure())
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessage(
            "timeout 'report' of PT2S passed; the work was interrupted, its token cancelled,"
                + " and it has stopped");
    assertThat(interrupted).isTrue();
    assertThat(tokenCancelled).isTrue();
    assertThat(events.all())
        .containsExactly(new PolicyEvent.TimedOut("report", Duration.ofSeconds(2), true));
  }

  @Test
  void byDefaultTheCallReturnsOnlyOnceTheWorkHasStopped() throws Throwable {
    CountDownLatch interruptSeen = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean ended = new AtomicBoolean();
    Async<Boolean> call =
        Async.start(() -> {
          try {
            timeout(Duration.ofSeconds(1))
                .call(() -> {
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    interruptSeen.countDown();
                  }
                  awaitIgnoringInterrupts(release); // stubborn work
                  ended.set(true);
                  return "late";
                });
            return false;
          } catch (DeadlineExceededException e) {
            return ended.get(); // the work must have ended before the caller got this
          }
        });
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(1));
    Async.await(interruptSeen);
    assertThat(call.isAlive()).isTrue(); // held by the stubborn work, which waits for release
    release.countDown();
    assertThat(call.get()).isTrue();
  }

  @Test
  void returnEarlyReleasesTheCallerAndTheBulkheadKeepsThePermitUntilTheWorkEnds() throws Throwable {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Thread> handed = new AtomicReference<>();
    Bulkhead bulkhead = Bulkhead.builder().name("db").maxConcurrent(1).timeSource(clock).build();
    Policy<Object> p =
        Policy.of(bulkhead, timeout(Duration.ofSeconds(1)).withReturnEarly(handed::set));
    Async<Object> call =
        Async.start(() ->
            p.call(() -> {
              started.countDown();
              awaitIgnoringInterrupts(release);
              return "late";
            }));
    Async.await(started);
    clock.awaitParked(2); // the caller and the runner's scope owner
    clock.advance(Duration.ofSeconds(1));
    assertThat(call.failure())
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessage(
            "timeout 'report' of PT1S passed; the caller returned early and the cancelled work"
                + " may still run");
    assertThat(handed.get()).isNotNull();
    assertThat(handed.get().isAlive()).isTrue();
    assertThat(bulkhead.inUse()).isEqualTo(1);
    assertThatThrownBy(() -> bulkhead.call(() -> "other"))
        .isInstanceOf(BulkheadFullException.class);
    assertThat(events.all())
        .containsExactly(new PolicyEvent.TimedOut("report", Duration.ofSeconds(1), false));
    release.countDown();
    handed.get().join();
    assertThat(bulkhead.inUse()).isZero();
  }

  @Test
  void cancellingTheEnclosingTaskCancelsTheTimedWorksToken() throws Throwable {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean sawCancel = new AtomicBoolean();
    Async<Object> call =
        Async.start(() -> {
          try (dev.weft.task.Scope scope = dev.weft.task.Scope.open()) {
            dev.weft.task.Fork<Object> fork =
                scope.fork(() ->
                    timeout(Duration.ofHours(1))
                        .call(() -> {
                          CountDownLatch cancelled = new CountDownLatch(1);
                          try (var r = TaskContext.token().onCancel(cancelled::countDown)) {
                            started.countDown();
                            awaitIgnoringInterrupts(cancelled);
                          }
                          sawCancel.set(TaskContext.isCancelled());
                          return "stopped";
                        }));
            started.await();
            scope.cancel();
            scope.join();
            return fork.state();
          }
        });
    assertThat(call.get()).isNotNull(); // the work chose to return a value once cancelled
    assertThat(sawCancel).isTrue();
  }

  @Test
  void anEarlierDeadlineWakesTheTimerParkedOnALaterOne() throws Throwable {
    CountDownLatch longStarted = new CountDownLatch(1);
    CountDownLatch shortStarted = new CountDownLatch(1);
    AtomicBoolean longInterrupted = new AtomicBoolean();
    Async<Object> longCall =
        Async.start(() ->
            timeout(Duration.ofSeconds(10))
                .call(() -> {
                  longStarted.countDown();
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    longInterrupted.set(true);
                    throw e;
                  }
                  return "never";
                }));
    Async.await(longStarted);
    clock.awaitParked(1); // the timer, parked until 10 s
    Async<Object> shortCall =
        Async.start(() ->
            timeout(Duration.ofSeconds(1))
                .call(() -> {
                  shortStarted.countDown();
                  new CountDownLatch(1).await();
                  return "never";
                }));
    Async.await(shortStarted);
    clock.advance(Duration.ofSeconds(1));
    assertThat(shortCall.failure()).isInstanceOf(DeadlineExceededException.class);
    assertThat(longInterrupted).isFalse();
    assertThat(longCall.isAlive()).isTrue();
    clock.advance(Duration.ofSeconds(9));
    assertThat(longCall.failure()).isInstanceOf(DeadlineExceededException.class);
    assertThat(longInterrupted).isTrue();
  }

  @Test
  void manyConcurrentCallsShareOneTimerAndOnlyTheOverdueAreInterrupted() throws Throwable {
    Timeout quick = timeout(Duration.ofSeconds(1));
    Timeout slow = timeout(Duration.ofSeconds(100));
    int rounds = 20;
    int calls = 16;
    Leaks.assertNoLeaks(() -> {
      for (int round = 0; round < rounds; round++) {
        CountDownLatch started = new CountDownLatch(calls);
        CountDownLatch release = new CountDownLatch(1);
        List<Async<Object>> all = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
          Timeout t = i % 2 == 0 ? quick : slow;
          int n = i;
          all.add(
              Async.start(() ->
                  t.call(() -> {
                    started.countDown();
                    release.await(); // the overdue are interrupted; the others must not be
                    return n;
                  })));
        }
        Async.await(started);
        clock.advance(Duration.ofSeconds(1));
        for (int i = 0; i < calls; i += 2) {
          assertThat(all.get(i).failure()).isInstanceOf(DeadlineExceededException.class);
          assertThat(all.get(i).interruptedAtEnd()).isFalse();
        }
        release.countDown();
        for (int i = 1; i < calls; i += 2) {
          assertThat(all.get(i).get()).isEqualTo(i);
          assertThat(all.get(i).interruptedAtEnd()).isFalse();
        }
      }
    }); // and the timer thread has ended: nothing is timed any more
    assertThat(events.all(PolicyEvent.TimedOut.class)).hasSize(rounds * calls / 2);
  }

  @Test
  void aSlowCancellationCallbackDoesNotDelayAnotherCallsDeadline() throws Throwable {
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch releaseCallback = new CountDownLatch(1);
    Async<Object> stuck =
        Async.start(() ->
            timeout(Duration.ofSeconds(1))
                .call(() -> {
                  try (var r =
                      TaskContext.token()
                          .onCancel(() -> {
                            inCallback.countDown();
                            awaitIgnoringInterrupts(releaseCallback);
                          })) {
                    started.countDown();
                    new CountDownLatch(1).await();
                    return "never";
                  }
                }));
    Async<Object> other =
        Async.start(() ->
            timeout(Duration.ofSeconds(2))
                .call(() -> {
                  started.countDown();
                  new CountDownLatch(1).await();
                  return "never";
                }));
    Async.await(started);
    clock.advance(Duration.ofSeconds(1));
    Async.await(inCallback); // the first call's cancellation is stuck in its callback
    clock.advance(Duration.ofSeconds(1));
    assertThat(other.failure()).isInstanceOf(DeadlineExceededException.class);
    assertThat(stuck.isAlive()).isTrue(); // interrupted only once its callbacks have run
    releaseCallback.countDown();
    assertThat(stuck.failure()).isInstanceOf(DeadlineExceededException.class);
  }

  @Test
  void onTheSystemClockCallsFromManyThreadsLeaveNoInterruptAndNoThreadBehind() throws Throwable {
    Timeout shared = Timeout.of(Duration.ofHours(1)).withName("shared");
    int threads = 4;
    int calls = 3 * TimeoutTimer.DRAIN_EVERY; // so that pushers wake the timer to drain
    Leaks.assertNoLeaks(() -> {
      List<Async<Integer>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        all.add(
            Async.startPlatform(() -> {
              int sum = 0;
              for (int i = 0; i < calls; i++) {
                int n = i;
                sum += shared.call(() -> n);
                if (Thread.currentThread().isInterrupted()) {
                  throw new AssertionError("interrupted after call " + i);
                }
              }
              return sum;
            }));
      }
      for (Async<Integer> a : all) {
        assertThat(a.get()).isEqualTo(calls * (calls - 1) / 2);
      }
    }); // the system clock's timer ends within a tick once nothing is timed
  }

  @Test
  void onTheSystemClockAnOverdueCallIsInterrupted() throws Throwable {
    Timeout quick = Timeout.of(Duration.ofMillis(20)).withName("quick");
    Async<Object> call =
        Async.start(() ->
            quick.call(() -> {
              new CountDownLatch(1).await(); // ends only by the timeout's interrupt
              return "never";
            }));
    assertThat(call.failure()).isInstanceOf(DeadlineExceededException.class);
    assertThat(call.interruptedAtEnd()).isFalse();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> Timeout.of(Duration.ZERO)).hasMessage("timeout must be > 0, was PT0S");
  }

  private static void awaitIgnoringInterrupts(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        Async.await(latch);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
