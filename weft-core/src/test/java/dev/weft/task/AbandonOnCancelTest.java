package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AbandonOnCancelTest {

  /** Waits for {@code release}, ignoring interrupts, as a classic java.io read does. */
  private static void awaitIgnoringInterrupts(CountDownLatch release) {
    boolean interrupted = false;
    while (true) {
      try {
        release.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aCancelledCallerReturnsAtOnceAndTheAbandonedCallIsListedUntilItEnds() throws Exception {
    for (int round = 0; round < 50; round++) {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicReference<Thread> callThread = new AtomicReference<>();
      Fork<String> fork;
      try (Scope scope = Scope.builder().collectAll().open()) {
        fork =
            scope.fork(() ->
                Tasks.abandonOnCancel(
                    "read a stuck socket",
                    () -> {
                      callThread.set(Thread.currentThread());
                      started.countDown();
                      awaitIgnoringInterrupts(release);
                      return "late";
                    }));
        started.await();
        scope.cancel();
        scope.join(); // returns although the call ignores interrupts
      }
      assertThat(fork.settled()).isInstanceOf(Settled.Failure.class);
      assertThat(((Settled.Failure<String>) fork.settled()).cause())
          .isInstanceOf(CancelledException.class)
          .hasMessageStartingWith("'read a stuck socket' was abandoned, still running on thread");
      assertThat(TaskTree.text(false)).contains("abandoned call 'read a stuck socket'");
      release.countDown();
      callThread.get().join();
      assertThat(TaskTree.text(false)).doesNotContain("read a stuck socket");
    }
  }

  @Test
  void returnsTheValueAndThrowsTheFailureOfACallThatEnds() {
    assertThat(Tasks.abandonOnCancel("answer", () -> 42)).isEqualTo(42);
    IllegalStateException unchecked = new IllegalStateException("boom");
    assertThatThrownBy(() ->
            Tasks.abandonOnCancel(
                "fails",
                () -> {
                  throw unchecked;
                }))
        .isSameAs(unchecked);
    assertThatThrownBy(() ->
            Tasks.abandonOnCancel(
                "checked",
                () -> {
                  throw new IOException("disk");
                }))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageContaining("checked")
        .hasRootCauseMessage("disk");
  }

  @Test
  void anAlreadyCancelledCallerDoesNotStartTheCall() throws Exception {
    AtomicReference<Boolean> ran = new AtomicReference<>(false);
    try (Scope scope = Scope.builder().collectAll().open()) {
      CountDownLatch cancelled = new CountDownLatch(1);
      Fork<Object> fork =
          scope.fork(() -> {
            cancelled.await();
            return Tasks.abandonOnCancel("never", () -> ran.getAndSet(true));
          });
      scope.cancel();
      cancelled.countDown();
      scope.join();
      assertThat(fork.state()).isEqualTo(Fork.State.CANCELLED);
    }
    assertThat(ran.get()).isFalse();
  }
}
