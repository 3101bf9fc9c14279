package dev.weft.flow;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The FIFO waiting room of the time-based limiters ({@link RateLimiter}, {@link IntervalLimiter}):
 * callers that cannot start now queue here and only the head of the queue tries to start, parking
 * until the reading its {@link Admission} names. Thread-safe.
 *
 * <p>Overview for maintainers. {@code waiters} is guarded by {@code lock}; {@code queued} mirrors
 * its size for the owners' lock-free fast paths, which must not admit anyone while it is non-zero
 * (so nobody passes a waiter). Only the head calls {@link Admission#tryAdmit}; when the head leaves
 * (admitted, timed out, interrupted) it unparks the next head, which recomputes its own wake-up
 * time. A waiter admits itself, so there is no hand-over to lose: a waiter that gives up has taken
 * nothing. A non-head waiter parks until its deadline (or "forever") and is woken by the head that
 * leaves before it. No thread spins: each park is until a computed reading.
 */
final class Turnstile {

  /** Returned by {@link Admission#tryAdmit} when the caller was admitted. */
  static final long ADMITTED = Long.MIN_VALUE;

  private static final long FOREVER = Long.MAX_VALUE >> 2;

  /** The owner's admission rule. */
  interface Admission {
    /**
     * Admits {@code n} permits at {@code now} if the rule allows, returning {@link #ADMITTED}, or
     * returns the earliest reading at which it could allow them (if nothing else is admitted).
     */
    long tryAdmit(int n, long now);

    /**
     * {@return the earliest reading at which {@code n} permits could be admitted behind {@code
     * ahead} permits already waiting, or {@code now} if unknown}
     */
    default long estimate(int ahead, int n, long now) {
      return now;
    }

    /** {@return whether the owner was retired by a keyed limiter and admits no one} */
    default boolean isRetired() {
      return false;
    }
  }

  private static final class Waiter {
    final Thread thread = Thread.currentThread();
    final int permits;

    Waiter(int permits) {
      this.permits = permits;
    }
  }

  final String name;
  final TimeSource time;
  final Listener listener;
  private final Admission admission;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // guarded by lock
  private int queuedPermits; // guarded by lock
  private volatile int queued;

  Turnstile(String name, TimeSource time, Listener listener, Admission admission) {
    this.name = name;
    this.time = time;
    this.listener = listener;
    this.admission = admission;
  }

  int queued() {
    return queued;
  }

  /**
   * Waits in FIFO order until {@code n} permits are admitted or {@code timeout} passes ({@code
   * null}: none). Times out at once if the estimate already says the permits cannot come in time.
   * Throws {@link InterruptedException} (nothing taken) on interrupt.
   */
  Gate.Outcome acquire(int n, @Nullable Duration timeout) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long start = time.read();
    long deadline = timeout == null ? start + FOREVER : time.readAfter(timeout);
    Waiter w = new Waiter(n);
    lock.lock();
    try {
      if (admission.isRetired()) {
        return Gate.Outcome.RETIRED;
      }
      if (waiters.isEmpty() && admission.tryAdmit(n, start) == ADMITTED) {
        return Gate.Outcome.ACQUIRED;
      }
      if (timeout != null && deadline - admission.estimate(queuedPermits, n, start) < 0) {
        return timedOut(n, start);
      }
      waiters.addLast(w);
      queuedPermits += n;
      queued = waiters.size();
    } finally {
      lock.unlock();
    }
    while (true) {
      long wake = deadline;
      if (isHead(w)) {
        long now = time.read();
        long next = admission.tryAdmit(n, now);
        if (next == ADMITTED) {
          leave(w);
          return Gate.Outcome.ACQUIRED;
        }
        if (timeout != null && deadline - next < 0) {
          leave(w); // it cannot conform before the deadline: say so now rather than later
          return timedOut(n, start);
        }
        wake = next;
      } else if (timeout != null && time.read() - deadline >= 0) {
        leave(w);
        return timedOut(n, start);
      }
      time.parkUntil(wake);
      if (Thread.interrupted()) {
        leave(w);
        throw new InterruptedException();
      }
    }
  }

  private Gate.Outcome timedOut(int n, long start) {
    if (!listener.isNone()) {
      Listener.emit(listener, new FlowEvent.TimedOut(name, n, time.since(start)));
    }
    return Gate.Outcome.TIMED_OUT;
  }

  private boolean isHead(Waiter w) {
    lock.lock();
    try {
      return waiters.peekFirst() == w;
    } finally {
      lock.unlock();
    }
  }

  /** Removes {@code w}; if it was the head, wakes the next head. */
  private void leave(Waiter w) {
    lock.lock();
    try {
      boolean wasHead = waiters.peekFirst() == w;
      if (waiters.remove(w)) {
        queuedPermits -= w.permits;
      }
      queued = waiters.size();
      Waiter next = waiters.peekFirst();
      if (wasHead && next != null) {
        LockSupport.unpark(next.thread);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the head, for owners whose rule just changed in the waiters' favour. */
  void wakeHead() {
    lock.lock();
    try {
      Waiter head = waiters.peekFirst();
      if (head != null) {
        LockSupport.unpark(head.thread);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code action} while holding the lock if nobody waits; returns whether it ran. */
  boolean ifNoWaiters(Runnable action) {
    lock.lock();
    try {
      if (!waiters.isEmpty()) {
        return false;
      }
      action.run();
      return true;
    } finally {
      lock.unlock();
    }
  }
}
