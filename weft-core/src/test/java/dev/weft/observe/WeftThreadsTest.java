package dev.weft.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class WeftThreadsTest {

  @Test
  void namesNumberedAndUnnumberedThreads() throws InterruptedException {
    ThreadFactory numbered = WeftThreads.virtual("weft-wtt-numbered");
    Thread a = numbered.newThread(() -> {});
    Thread b = numbered.newThread(() -> {});
    Thread c = WeftThreads.virtualUnnumbered("weft-wtt-same").newThread(() -> {});
    Thread p = WeftThreads.platform("weft-wtt-platform", true).newThread(() -> {});
    assertThat(a.getName()).isEqualTo("weft-wtt-numbered-0");
    assertThat(b.getName()).isEqualTo("weft-wtt-numbered-1");
    assertThat(c.getName()).isEqualTo("weft-wtt-same");
    assertThat(a.isVirtual()).isTrue();
    assertThat(c.isVirtual()).isTrue();
    assertThat(p.getName()).isEqualTo("weft-wtt-platform-0");
    assertThat(p.isVirtual()).isFalse();
    assertThat(p.isDaemon()).isTrue();
    for (Thread t : List.of(a, b, c, p)) {
      assertThat(WeftThreads.live()).contains(t); // listed from creation
      t.start();
      t.join();
      assertThat(WeftThreads.live()).doesNotContain(t);
    }
  }

  /*
   * The live list unlinks finished threads in sweeps run by the threads that make new ones. While
   * several makers churn through many short threads (far more than a sweep interval), every
   * long-lived thread must stay listed, and every finished one must drop out.
   */
  @Test
  void keepsListingLiveThreadsWhileFinishedOnesAreSweptAway() throws Exception {
    for (int round = 0; round < 5; round++) {
      CountDownLatch release = new CountDownLatch(1);
      ThreadFactory factory = WeftThreads.virtualUnnumbered("weft-wtt-churn");
      List<Thread> blocked = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        Thread t = factory.newThread(() -> awaitQuietly(release));
        t.start();
        blocked.add(t);
      }
      List<Thread> makers = new ArrayList<>();
      List<Thread> churned = Collections.synchronizedList(new ArrayList<>());
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      for (int m = 0; m < 3; m++) {
        Thread maker =
            Thread.ofPlatform()
                .unstarted(() -> {
                  try {
                    for (int i = 0; i < 3_000; i++) {
                      Thread t = factory.newThread(() -> {});
                      t.start();
                      churned.add(t);
                      if (i % 500 == 0) {
                        assertThat(WeftThreads.live()).containsAll(blocked);
                      }
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                });
        maker.start();
        makers.add(maker);
      }
      for (Thread maker : makers) {
        maker.join();
      }
      assertThat(errors).isEmpty();
      for (Thread t : churned) {
        t.join();
      }
      Set<Thread> live = new HashSet<>(WeftThreads.live());
      assertThat(live).containsAll(blocked);
      assertThat(churned).hasSize(9_000).noneMatch(live::contains);
      release.countDown();
      for (Thread t : blocked) {
        t.join();
      }
      assertThat(WeftThreads.live()).doesNotContainAnyElementsOf(blocked);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
