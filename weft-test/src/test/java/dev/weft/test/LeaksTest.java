package dev.weft.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.observe.WeftThreads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeaksTest {

  @Test
  void passesWhenEveryThreadFinished() throws Throwable {
    Leaks.assertNoLeaks(() -> {
      Thread t = WeftThreads.virtual("weft-leakstest").newThread(() -> {});
      t.start();
      t.join();
    });
  }

  @Test
  void namesAThreadThatOutlivedTheBlock() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try {
      assertThatThrownBy(() ->
              Leaks.assertNoLeaks(() ->
                  WeftThreads.virtual("weft-leaky")
                      .newThread(() -> {
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      })
                      .start()))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("thread 'weft-leaky-0' still alive")
          .hasMessageContaining("CountDownLatch.await");
    } finally {
      release.countDown();
    }
  }

  @Test
  void reportsAGaugeThatDidNotReturn() {
    AtomicLong inUse = new AtomicLong();
    assertThatThrownBy(() ->
            Leaks.assertNoLeaks(inUse::incrementAndGet, Leaks.gauge("permits in use", inUse::get)))
        .hasMessage("leaked: permits in use was 0 before and 1 after");
  }

  @Test
  void rethrowsWhatTheBlockThrew() {
    assertThatThrownBy(() ->
            Leaks.assertNoLeaks(() -> {
              throw new IllegalStateException("boom");
            }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("boom");
    assertThat(WeftThreads.live()).noneMatch(t -> t.getName().startsWith("weft-leakstest"));
  }
}
