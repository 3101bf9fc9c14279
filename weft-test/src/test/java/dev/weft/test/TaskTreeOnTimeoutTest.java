package dev.weft.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.task.Scope;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class TaskTreeOnTimeoutTest {

  @Test
  void aTimeoutGetsTheLiveTreeAttachedAndIsRethrown() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TimeoutException timeout = new TimeoutException("test timed out after 3 minutes");
    try (Scope scope = Scope.builder().name("stuck-work").open()) {
      scope.fork(
          "waits",
          () -> {
            started.countDown();
            release.await();
            return null;
          });
      started.await();
      TaskTreeOnTimeout.attachIfTimeout("a hung test", timeout);
      release.countDown();
      scope.join();
    }
    assertThat(timeout.getSuppressed()).hasSize(1);
    assertThat(timeout.getSuppressed()[0].getMessage())
        .startsWith("weft task tree at the timeout:\nscope 'stuck-work'")
        .contains("waits RUNNING")
        .contains("CountDownLatch.await");
  }

  @Test
  void otherFailuresPassThroughUntouched() {
    IllegalStateException failure = new IllegalStateException("not a timeout");
    TaskTreeOnTimeout.attachIfTimeout("a failing test", failure);
    assertThat(failure.getSuppressed()).isEmpty();
  }
}
