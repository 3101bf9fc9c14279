package dev.weft.diagnose;

import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by {@link DeadlocksTest}: two virtual threads deadlock on two monitors (a
 * cycle nothing can break, hence the separate JVM, which {@code System.exit} ends), then prints
 * what {@link Deadlocks#find()} reports.
 */
public final class VirtualMonitorDeadlockMain {

  private VirtualMonitorDeadlockMain() {}

  /**
   * Builds the deadlock and prints the reports.
   *
   * @param args unused
   */
  @SuppressWarnings("ThreadPriorityCheck") // yield lets the threads under test run on 2 busy cores
  public static void main(String[] args) {
    Object first = new Object();
    Object second = new Object();
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Thread a = Thread.ofVirtual().name("vm-a").start(() -> lockBoth(first, second, bothHoldOne));
    Thread b = Thread.ofVirtual().name("vm-b").start(() -> lockBoth(second, first, bothHoldOne));
    while (a.getState() != Thread.State.BLOCKED || b.getState() != Thread.State.BLOCKED) {
      Thread.onSpinWait();
      Thread.yield();
    }
    for (Deadlocks.Deadlock d : Deadlocks.find()) {
      System.out.println(d.report());
    }
    System.out.flush();
    System.exit(0);
  }

  private static void lockBoth(Object outer, Object inner, CountDownLatch bothHoldOne) {
    synchronized (outer) {
      bothHoldOne.countDown();
      try {
        bothHoldOne.await();
      } catch (InterruptedException e) {
        return;
      }
      synchronized (inner) {
        inner.notifyAll();
      }
    }
  }
}
