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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TimeoutTest {

  private final ManualClock clock = new ManualClock();
  private final Events events = new Events();

  private Timeout timeout(Duration d) {
    return Timeout.of(d).named("report").timeSource(clock).listener(events);
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
    Policy<Object> p = Policy.of(bulkhead, timeout(Duration.ofSeconds(1)).returnEarly(handed::set));
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
