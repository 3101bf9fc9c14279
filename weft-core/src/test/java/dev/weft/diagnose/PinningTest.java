package dev.weft.diagnose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pins a virtual thread on purpose: it blocks inside a class initializer, which JDK 25 still runs
 * pinned to the carrier, and the monitor must report it.
 */
class PinningTest {

  static final CountDownLatch ENTERED = new CountDownLatch(1);
  static final CountDownLatch RELEASE = new CountDownLatch(1);

  /** Its initializer blocks until the test releases it. Initialized once, by the test. */
  static final class BlocksInInitializer {
    static {
      ENTERED.countDown();
      try {
        RELEASE.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private BlocksInInitializer() {}

    static void touch() {}
  }

  @Test
  @SuppressWarnings("ThreadPriorityCheck") // yield lets the pinned thread park on 2 busy cores
  void reportsAVirtualThreadBlockedInAClassInitializer() throws Throwable {
    LinkedBlockingQueue<Pinning.Pinned> seen = new LinkedBlockingQueue<>();
    Leaks.assertNoLeaks(() -> {
      try (Pinning pinning =
          Pinning.start(
              Duration.ZERO,
              p -> {
                if (p.threadName().equals("pinned-in-clinit")) {
                  seen.add(p);
                }
              })) {
        assertThat(pinning.toString()).contains("PT0S");
        Thread t = Thread.ofVirtual().name("pinned-in-clinit").start(BlocksInInitializer::touch);
        ENTERED.await();
        while (t.getState() != Thread.State.WAITING) { // parked inside <clinit>, pinned
          Thread.onSpinWait();
          Thread.yield();
        }
        RELEASE.countDown();
        t.join();
        Pinning.Pinned p = seen.poll(60, TimeUnit.SECONDS); // JFR delivers about once a second
        assertThat(p).as("pinned event").isNotNull();
        assertThat(p.threadId()).isEqualTo(t.threadId());
        assertThat(p.duration()).isPositive();
        assertThat(p.reason()).contains("<clinit>");
        assertThat(p.stack()).isNotEmpty();
        assertThat(p.report())
            .contains("Virtual thread \"pinned-in-clinit\"")
            .contains("while pinned to carrier")
            .contains("reason: ");
      }
    });
  }

  @Test
  void rejectsANegativeThreshold() {
    assertThatThrownBy(() -> Pinning.start(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threshold must be >= 0, was PT-0.001S");
  }
}
