package dev.weft.policy;

import dev.weft.time.TimeSource;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counting semaphore whose timed waits go through a {@link TimeSource}, so a manual clock drives
 * them. Waiters are served in FIFO order by direct hand-off: a release gives its permit to the
 * oldest waiter rather than to whoever grabs it first.
 *
 * <p>Overview: {@code lock} guards {@code available} and {@code waiters}. A waiter enqueues a node,
 * unlocks, and parks; {@code release} dequeues the oldest node, marks it granted under the lock and
 * unparks its thread. A waiter that gives up (time or interrupt) removes its node under the lock;
 * if it finds itself granted meanwhile, it keeps the permit (time) or passes it on (interrupt).
 */
final class PermitGate {

  private static final class Waiter {
    final Thread thread = Thread.currentThread();
    boolean granted; // guarded by lock
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final int permits;
  private int available; // guarded by lock

  PermitGate(int permits) {
    this.permits = permits;
    this.available = permits;
  }

  int inUse() {
    lock.lock();
    try {
      return permits - available;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a permit, waiting {@code maxWaitNanos} at most. Returns {@code true} when taken, {@code
   * false} when the time passed; throws {@link InterruptedException} (flag cleared, no permit held)
   * on interrupt. Reads the clock only when it has to wait.
   */
  boolean acquire(long maxWaitNanos, TimeSource time) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Waiter me;
    lock.lock();
    try {
      if (available > 0 && waiters.isEmpty()) {
        available--;
        return true;
      }
      if (maxWaitNanos <= 0) {
        return false;
      }
      me = new Waiter();
      waiters.addLast(me);
    } finally {
      lock.unlock();
    }
    long deadline = time.readAfter(java.time.Duration.ofNanos(maxWaitNanos));
    while (true) {
      time.parkUntil(deadline);
      boolean interrupted = Thread.interrupted();
      boolean expired = time.read() - deadline >= 0;
      lock.lock();
      try {
        if (me.granted) {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
          return true;
        }
        if (interrupted || expired) {
          waiters.remove(me);
          if (interrupted) {
            throw new InterruptedException();
          }
          return false;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  void release() {
    Waiter next;
    lock.lock();
    try {
      next = waiters.pollFirst();
      if (next == null) {
        available++;
        return;
      }
      next.granted = true;
    } finally {
      lock.unlock();
    }
    LockSupport.unpark(next.thread);
  }
}
