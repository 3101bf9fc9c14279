package dev.weft.diagnose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Builds real lock-order deadlocks, checks that they are found, then breaks them (one lock is taken
 * with {@code lockInterruptibly}, so interrupting its waiter unwinds the cycle) and joins every
 * thread.
 */
class DeadlocksTest {

  /** Waits for a condition that the threads reach on their own: never a timing check. */
  @SuppressWarnings("ThreadPriorityCheck") // yield lets the threads under test run on 2 busy cores
  private static void until(BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static void lockInterruptibly(ReentrantLock lock) {
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      throw new IllegalStateException("broken out of the deadlock", e);
    }
    lock.unlock();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@return a body that takes {@code held}, waits until the other thread holds its lock too, then
   * waits for {@code wanted}: interruptibly, or not (then the other's interrupt frees it)}
   */
  private static Runnable holdThenWant(
      ReentrantLock held, ReentrantLock wanted, CountDownLatch bothHoldOne, boolean interruptibly) {
    return () -> {
      held.lock();
      try {
        bothHoldOne.countDown();
        await(bothHoldOne);
        if (interruptibly) {
          lockInterruptibly(wanted);
        } else {
          wanted.lock();
          wanted.unlock();
        }
      } finally {
        held.unlock();
      }
    };
  }

  private static Deadlocks.Deadlock findWith(String... names) {
    List<Deadlocks.Deadlock> found = Deadlocks.find();
    return found.stream()
        .filter(d -> d.threadNames().containsAll(List.of(names)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no deadlock of " + List.of(names) + " in " + found));
  }

  @Test
  void findsTwoPlatformThreadsDeadlockedOnReentrantLocks() throws Exception {
    ReentrantLock first = new ReentrantLock();
    ReentrantLock second = new ReentrantLock();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Thread a =
        Thread.ofPlatform()
            .name("dl-platform-a")
            .unstarted(holdThenWant(first, second, bothHoldOne, true));
    Thread b =
        Thread.ofPlatform()
            .name("dl-platform-b")
            .unstarted(holdThenWant(second, first, bothHoldOne, false));
    a.start();
    b.start();
    try {
      until(() -> second.hasQueuedThread(a) && first.hasQueuedThread(b));
      Deadlocks.Deadlock d = findWith("dl-platform-a", "dl-platform-b");
      assertThat(d.cycle()).hasSize(2);
      Deadlocks.Blocked ofA =
          d.cycle().stream().filter(x -> x.threadName().equals("dl-platform-a")).findFirst().get();
      assertThat(ofA.virtual()).isFalse();
      assertThat(ofA.waitsFor()).startsWith("java.util.concurrent.locks.ReentrantLock$");
      assertThat(ofA.ownerName()).isEqualTo("dl-platform-b");
      assertThat(ofA.holds()).hasSize(1);
      assertThat(ofA.stack()).anyMatch(f -> f.contains("DeadlocksTest"));
      assertThat(d.report())
          .contains("Deadlock of 2 threads")
          .contains("\"dl-platform-a\"")
          .contains("waits for java.util.concurrent.locks.ReentrantLock$")
          .contains("held by \"dl-platform-b\"")
          .contains("holds java.util.concurrent.locks.ReentrantLock$")
          .contains("at ");
    } finally {
      a.interrupt();
      a.join();
      b.join();
    }
    assertThat(Deadlocks.find()).noneMatch(d -> d.threadNames().contains("dl-platform-a"));
  }

  @Test
  void findsAPlatformCycleThroughAMonitorAndALock() throws Exception {
    Object monitor = new Object();
    ReentrantLock lock = new ReentrantLock();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Thread a =
        Thread.ofPlatform()
            .name("dl-mixed-a")
            .unstarted(() -> {
              synchronized (monitor) {
                bothHoldOne.countDown();
                await(bothHoldOne);
                lockInterruptibly(lock);
              }
            });
    Thread b =
        Thread.ofPlatform()
            .name("dl-mixed-b")
            .unstarted(() -> {
              lock.lock();
              try {
                bothHoldOne.countDown();
                await(bothHoldOne);
                synchronized (monitor) {
                  monitor.notifyAll();
                }
              } finally {
                lock.unlock();
              }
            });
    a.start();
    b.start();
    try {
      until(() -> lock.hasQueuedThread(a) && b.getState() == Thread.State.BLOCKED);
      Deadlocks.Deadlock d = findWith("dl-mixed-a", "dl-mixed-b");
      Deadlocks.Blocked ofB =
          d.cycle().stream().filter(x -> x.threadName().equals("dl-mixed-b")).findFirst().get();
      assertThat(ofB.state()).isEqualTo("BLOCKED");
      assertThat(ofB.waitsFor()).startsWith("java.lang.Object@");
      assertThat(ofB.ownerName()).isEqualTo("dl-mixed-a");
    } finally {
      a.interrupt();
      a.join();
      b.join();
    }
  }

  /**
   * A cycle of two virtual threads and one platform thread: virtual A holds monitor m1 and waits
   * for lock L; platform P holds L and is blocked on monitor m2; virtual B holds m2 and is blocked
   * on m1.
   */
  @Test
  void findsACycleOfVirtualThreadsThroughMonitorsAndAPlatformHeldLock() throws Exception {
    Object m1 = new Object();
    Object m2 = new Object();
    ReentrantLock lock = new ReentrantLock();
    CountDownLatch allHoldOne = new CountDownLatch(3);
    Thread a =
        Thread.ofVirtual()
            .name("dl-virtual-a")
            .unstarted(() -> {
              synchronized (m1) {
                allHoldOne.countDown();
                await(allHoldOne);
                lockInterruptibly(lock);
              }
            });
    Thread p =
        Thread.ofPlatform()
            .name("dl-virtual-p")
            .unstarted(() -> {
              lock.lock();
              try {
                allHoldOne.countDown();
                await(allHoldOne);
                synchronized (m2) {
                  m2.notifyAll();
                }
              } finally {
                lock.unlock();
              }
            });
    Thread b =
        Thread.ofVirtual()
            .name("dl-virtual-b")
            .unstarted(() -> {
              synchronized (m2) {
                allHoldOne.countDown();
                await(allHoldOne);
                synchronized (m1) {
                  m1.notifyAll();
                }
              }
            });
    a.start();
    p.start();
    b.start();
    try {
      until(() ->
          lock.hasQueuedThread(a)
              && p.getState() == Thread.State.BLOCKED
              && b.getState() == Thread.State.BLOCKED);
      Deadlocks.Deadlock d = findWith("dl-virtual-a", "dl-virtual-b", "dl-virtual-p");
      assertThat(d.threadNames()).hasSize(3);
      Deadlocks.Blocked ofA =
          d.cycle().stream().filter(x -> x.threadName().equals("dl-virtual-a")).findFirst().get();
      assertThat(ofA.virtual()).isTrue();
      assertThat(ofA.ownerName()).isEqualTo("dl-virtual-p");
      assertThat(ofA.holds()).containsExactly("java.lang.Object@" + hash(m1));
      Deadlocks.Blocked ofB =
          d.cycle().stream().filter(x -> x.threadName().equals("dl-virtual-b")).findFirst().get();
      assertThat(ofB.virtual()).isTrue();
      assertThat(ofB.waitsFor()).isEqualTo("java.lang.Object@" + hash(m1));
      assertThat(ofB.ownerName()).isEqualTo("dl-virtual-a");
      assertThat(d.report()).contains("virtual BLOCKED").contains("platform BLOCKED");
    } finally {
      a.interrupt();
      a.join();
      p.join();
      b.join();
    }
  }

  /**
   * Two virtual threads deadlocked on two monitors: a cycle nothing can break, so it is built in a
   * child JVM, which exits once it has printed what it found.
   */
  @Test
  void findsTwoVirtualThreadsDeadlockedOnMonitorsInAChildJvm() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                VirtualMonitorDeadlockMain.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor()).as(out).isZero();
    assertThat(out)
        .contains("Deadlock of 2 threads")
        .contains("\"vm-a\" #")
        .contains("virtual BLOCKED")
        .contains("waits for java.lang.Object@")
        .contains("held by \"vm-b\"")
        .contains("held by \"vm-a\"")
        .contains("at dev.weft.diagnose.VirtualMonitorDeadlockMain.lockBoth");
  }

  /** The documented limit: JDK 25 does not say which virtual thread owns a j.u.c. lock. */
  @Test
  void virtualThreadsDeadlockedOnlyOnReentrantLocksAreNotProvable() throws Exception {
    ReentrantLock first = new ReentrantLock();
    ReentrantLock second = new ReentrantLock();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Thread a =
        Thread.ofVirtual().name("dl-vjuc-a").start(holdThenWant(first, second, bothHoldOne, true));
    Thread b =
        Thread.ofVirtual().name("dl-vjuc-b").start(holdThenWant(second, first, bothHoldOne, true));
    try {
      until(() -> second.hasQueuedThread(a) && first.hasQueuedThread(b));
      assertThat(Deadlocks.find()).noneMatch(d -> d.threadNames().contains("dl-vjuc-a"));
    } finally {
      a.interrupt();
      b.interrupt();
      a.join();
      b.join();
    }
  }

  @Test
  void theWatchdogReportsEachDeadlockOnceAndStopsOnClose() throws Throwable {
    ManualClock clock = new ManualClock();
    LinkedBlockingQueue<Deadlocks.Deadlock> reports = new LinkedBlockingQueue<>();
    ReentrantLock first = new ReentrantLock();
    ReentrantLock second = new ReentrantLock();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Leaks.assertNoLeaks(() -> {
      try (Deadlocks.Watch watch =
          Deadlocks.watch(
              Duration.ofSeconds(5),
              clock,
              d -> {
                if (d.threadNames().contains("dl-watch-a")) {
                  reports.add(d);
                }
              })) {
        assertThat(watch.toString()).contains("PT5S");
        Thread a =
            Thread.ofPlatform()
                .name("dl-watch-a")
                .start(holdThenWant(first, second, bothHoldOne, true));
        Thread b =
            Thread.ofPlatform()
                .name("dl-watch-b")
                .start(holdThenWant(second, first, bothHoldOne, false));
        try {
          until(() -> second.hasQueuedThread(a) && first.hasQueuedThread(b));
          for (int look = 0; look < 3; look++) {
            clock.awaitParked(1);
            clock.advance(Duration.ofSeconds(5));
          }
          clock.awaitParked(1); // the third look is over
          assertThat(reports.poll(30, TimeUnit.SECONDS)).isNotNull();
          assertThat(reports).isEmpty(); // reported once, not three times
        } finally {
          a.interrupt();
          a.join();
          b.join();
        }
      }
    });
  }

  @Test
  void rejectsANonPositiveInterval() {
    assertThatThrownBy(() -> Deadlocks.watch(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval must be > 0, was PT0S");
  }

  private static String hash(Object o) {
    return Integer.toHexString(System.identityHashCode(o));
  }
}
