package dev.weft.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WeftThreadsTest {

  @Test
  void namesTheThreadsAfterWhoMadeThem() throws InterruptedException {
    ThreadFactory numbered = WeftThreads.virtual("weft-wtt-numbered");
    Thread a = numbered.newThread(() -> {});
    Thread b = numbered.newThread(() -> {});
    Thread p = WeftThreads.platform("weft-wtt-platform", true).newThread(() -> {});
    assertThat(a.getName()).isEqualTo("weft-wtt-numbered-0");
    assertThat(b.getName()).isEqualTo("weft-wtt-numbered-1");
    assertThat(a.isVirtual()).isTrue();
    assertThat(p.getName()).isEqualTo("weft-wtt-platform-0");
    assertThat(p.isVirtual()).isFalse();
    assertThat(p.isDaemon()).isTrue();
    for (Thread t : List.of(a, b, p)) {
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
      ThreadFactory factory = WeftThreads.virtual("weft-wtt-churn");
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

  /*
   * A group is asked for its threads at every live() while it has one; a sweep drops it once it
   * is idle, and ensureListed() lists it again when it gets a thread back.
   */
  @Test
  void listsAGroupWhileItHasThreadsAndAgainWhenItGetsNewOnes() throws Exception {
    OneThread group = new OneThread();
    Thread member = group.member;
    WeftThreads.Listing listing = WeftThreads.listing(group);
    assertThat(WeftThreads.live()).doesNotContain(member);
    assertThat(group.asked.get()).isZero(); // not listed before ensureListed
    listing.ensureListed();
    listing.ensureListed(); // listed once
    assertThat(WeftThreads.live()).containsOnlyOnce(member);
    churn(); // several sweeps of this stripe
    assertThat(WeftThreads.live()).containsOnlyOnce(member); // kept: not idle
    group.busy.set(false);
    churn();
    int before = group.asked.get();
    assertThat(WeftThreads.live()).doesNotContain(member);
    assertThat(group.asked.get()).isEqualTo(before); // swept: no longer asked
    group.busy.set(true);
    listing.ensureListed();
    assertThat(WeftThreads.live()).containsOnlyOnce(member);
  }

  /*
   * The handshake between a sweep dropping an idle group and its owner making it busy again
   * (Listing.drop): a thread on the owner's stripe sweeps over and over while the owner flips the
   * group between idle and busy; every time it is busy and ensureListed() returned, live() must
   * list it. (Checked by hand: a drop() that trusts its first idle reading fails this in each of
   * three runs, within the first few thousand rounds.)
   */
  @Test
  void aBusyGroupIsListedWhateverAConcurrentSweepDecided() throws Exception {
    OneThread group = new OneThread();
    group.busy.set(false);
    Thread member = group.member;
    AtomicBoolean busy = group.busy;
    WeftThreads.Listing listing = WeftThreads.listing(group);
    AtomicBoolean done = new AtomicBoolean();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    Runnable sweeping =
        () -> {
          ThreadFactory factory = WeftThreads.virtual("weft-wtt-sweeper");
          try {
            while (!done.get()) {
              Thread t = factory.newThread(() -> {});
              t.start();
              t.join(); // few live entries: each sweep is short and live() stays cheap
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        };
    Thread sweeper = sameStripeAsMe(sweeping);
    WeftThreads.minSweepInterval = 1; // each push sweeps: many more chances to race
    sweeper.start();
    try {
      for (int i = 0; i < 100_000; i++) {
        busy.set(true);
        listing.ensureListed();
        assertThat(WeftThreads.live()).as("round %d", i).contains(member);
        busy.set(false);
      }
    } finally {
      done.set(true);
      sweeper.join();
      WeftThreads.minSweepInterval = 1024;
    }
    assertThat(errors).isEmpty();
  }

  /** {@return an unstarted platform thread whose pushes land on the calling thread's stripe} */
  private static Thread sameStripeAsMe(Runnable task) {
    long mine = Thread.currentThread().threadId() & 15;
    while (true) {
      Thread t = Thread.ofPlatform().daemon(true).unstarted(task);
      if ((t.threadId() & 15) == mine) {
        return t;
      }
    }
  }

  /** A group of one (unstarted) thread, live while {@code busy}; counts how often it is asked. */
  private static final class OneThread implements WeftThreads.Group {
    final Thread member = Thread.ofVirtual().unstarted(() -> {});
    final AtomicBoolean busy = new AtomicBoolean(true);
    final AtomicInteger asked = new AtomicInteger();

    @Override
    public void addLiveTo(List<Thread> out) {
      asked.incrementAndGet();
      if (busy.get()) {
        out.add(member);
      }
    }

    @Override
    public boolean isIdle() {
      return !busy.get();
    }
  }

  /** Makes and runs enough threads on this thread's stripe to trigger sweeps. */
  private static void churn() throws InterruptedException {
    ThreadFactory factory = WeftThreads.virtual("weft-wtt-group");
    for (int i = 0; i < 3_000; i++) {
      Thread t = factory.newThread(() -> {});
      t.start();
      t.join();
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
