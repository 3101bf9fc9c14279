package dev.weft.flow;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A fair, weighted, resizable counting semaphore whose timed waits run on a {@link TimeSource}: the
 * engine under {@link Limiter}, {@link Permits} and {@link KeyedLimiter}. Thread-safe.
 *
 * <p>Overview for maintainers. {@code available} is the number of free permits; it goes negative
 * when the limit shrinks below what is in use. It changes only by CAS, so the uncontended acquire
 * and release are one atomic each. Callers that must wait join {@code waiters}, a FIFO guarded by
 * {@code lock}; {@code queued} mirrors its size so the fast paths can see, without the lock,
 * whether anyone waits. Invariants:
 *
 * <ol>
 *   <li>A fast acquire takes permits only while {@code queued == 0}, so it never passes a waiter
 *       (one can slip in while a waiter is being queued: the two were concurrent, either order is a
 *       valid FIFO order).
 *   <li>Permits are handed to waiters only under {@code lock}, head first, and a head that needs
 *       more than is free blocks those behind it (strict FIFO, no barging by small requests).
 *   <li>No lost wake-up: a release writes {@code available} then reads {@code queued}; a waiter
 *       writes {@code queued} then reads {@code available} (both volatile): one sees the other, so
 *       either the release dispatches or the waiter takes the permits itself.
 *   <li>A waiter's {@code state} changes only under {@code lock}: WAITING to GRANTED (by dispatch,
 *       which already deducted its permits), CANCELLED (by the waiter) or CLEARED. A waiter that
 *       gives up (timeout or interrupt) takes the lock; if it finds itself GRANTED, the grant raced
 *       with giving up and it hands the permits straight back, which wakes the next waiter. No
 *       permit is ever lost that way (the bug of failsafe#393).
 *   <li>{@code RETIRED} (for keyed limiters) is set by CAS only while nothing is held and nobody
 *       waits; a retired gate admits no one, and callers go back to the map for a fresh one.
 * </ol>
 *
 * No lock is held while user code runs or while a thread parks.
 */
final class Gate {

  static final int RETIRED = Integer.MIN_VALUE;

  /** How far away an untimed wait's deadline is: about 73 years, and never overflows. */
  private static final long FOREVER = Long.MAX_VALUE >> 2;

  private static final int WAITING = 0;
  private static final int GRANTED = 1;
  private static final int CANCELLED = 2;
  private static final int CLEARED = 3;

  private static final VarHandle AVAILABLE;

  static {
    try {
      AVAILABLE = MethodHandles.lookup().findVarHandle(Gate.class, "available", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What a blocking acquire ended with (apart from exceptions). */
  enum Outcome {
    ACQUIRED,
    TIMED_OUT,
    RETIRED
  }

  private static final class Waiter {
    final Thread thread = Thread.currentThread();
    final int permits;
    volatile int state = WAITING; // written under lock; the waiter polls it after each park

    Waiter(int permits) {
      this.permits = permits;
    }
  }

  final String name;
  final TimeSource time;
  final Listener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // guarded by lock

  @SuppressWarnings("unused") // written through AVAILABLE
  private volatile int available;

  private volatile int queued;
  private volatile int limit; // written under lock
  private volatile int lastOpenLimit; // the last limit above 0; written under lock

  /** Test hook: runs when a waiter has decided to give up, before it takes the lock. */
  volatile @Nullable Runnable beforeGiveUp;

  Gate(String name, int limit, TimeSource time, Listener listener) {
    this.name = name;
    this.time = time;
    this.listener = listener;
    this.limit = limit;
    this.lastOpenLimit = limit;
    this.available = limit;
  }

  int limit() {
    return limit;
  }

  /**
   * {@return the limit, under the lock: consistent with the free permits, which {@link #setLimit}
   * changes after the limit (a reader without the lock may see the new limit and a grant from the
   * old count)}
   */
  int limitLocked() {
    lock.lock();
    try {
      return limit;
    } finally {
      lock.unlock();
    }
  }

  /** {@return the last limit above 0: the limit itself unless admission is paused at 0} */
  int lastOpenLimit() {
    return lastOpenLimit;
  }

  /** {@return free permits, without the lock: may pair an old count with a new limit} */
  int available() {
    return available;
  }

  /**
   * {@return free permits, under the lock, so consistent with {@link #limit()}: a {@link #setLimit}
   * changes the limit and the free permits together}
   */
  int availableLocked() {
    lock.lock();
    try {
      return available;
    } finally {
      lock.unlock();
    }
  }

  int queued() {
    return queued;
  }

  /** {@return permits held right now (a snapshot)} */
  int inUse() {
    lock.lock();
    try {
      int a = available;
      return a == RETIRED ? 0 : limit - a;
    } finally {
      lock.unlock();
    }
  }

  /** {@return permits held, without the lock: may be off by a concurrent change; for samples} */
  int inUseRacy() {
    int a = available;
    return a == RETIRED ? 0 : Math.max(0, limit - a);
  }

  boolean isRetired() {
    return available == RETIRED;
  }

  /** Takes {@code n} permits if they are free and nobody waits; one CAS when uncontended. */
  boolean tryAcquire(int n) {
    if (queued != 0) {
      return false;
    }
    int a = available;
    while (a >= n) {
      if (AVAILABLE.weakCompareAndSet(this, a, a - n)) {
        return true;
      }
      a = available;
    }
    return false;
  }

  /**
   * Takes {@code n} permits as {@link #tryAcquire(int)} does, under the lock, after {@code check}
   * has validated the request (it throws to reject it): the slow path of a fast attempt that
   * failed. Under the lock the limit and the free permits belong to the same moment, since {@link
   * #setLimit} changes both under it, so a request that a concurrent limit change made out of range
   * is rejected instead of reported as not free.
   */
  boolean tryAcquireChecked(int n, Runnable check) {
    lock.lock();
    try {
      check.run();
      return tryAcquire(n);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for {@code n} permits in FIFO order until they are granted or {@code timeout} passes
   * ({@code null}: no timeout). Throws {@link InterruptedException} (nothing held) on interrupt and
   * {@link LimiterClearedException} when cleared.
   */
  Outcome acquire(int n, @Nullable Duration timeout) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (tryAcquire(n)) {
      return Outcome.ACQUIRED;
    }
    long start = time.read();
    long deadline = timeout == null ? start + FOREVER : time.readAfter(timeout);
    if (timeout != null && start - deadline >= 0) {
      return isRetired() ? Outcome.RETIRED : timedOut(n, start);
    }
    Waiter w = new Waiter(n);
    lock.lock();
    try {
      if (available == RETIRED) {
        return Outcome.RETIRED;
      }
      waiters.addLast(w);
      queued = waiters.size();
      dispatchLocked();
    } finally {
      lock.unlock();
    }
    while (true) {
      int s = w.state;
      if (s == GRANTED) {
        return Outcome.ACQUIRED;
      }
      if (s == CLEARED) {
        throw cleared();
      }
      if (timeout != null && time.read() - deadline >= 0) {
        if (giveUp(w)) {
          return timedOut(n, start);
        }
        continue; // the state changed under us: re-read it
      }
      time.parkUntil(deadline);
      if (Thread.interrupted()) {
        if (giveUp(w)) {
          throw new InterruptedException();
        }
        // cleared while we were interrupted: report the interrupt, it came first for us
        Thread.currentThread().interrupt();
        throw cleared();
      }
    }
  }

  /**
   * Waits for {@code n} permits as {@link #acquire} does (no timeout), runs {@code task} and gives
   * them back however it ends.
   */
  <T extends @Nullable Object, X extends Exception> T call(int n, ThrowingCallable<T, X> task)
      throws X, InterruptedException {
    Objects.requireNonNull(task, "task");
    acquire(n, null);
    return runHolding(n, task);
  }

  /**
   * Runs {@code task} under {@code n} permits if they come within {@code timeout}, and gives them
   * back however it ends; empty without running it on a timeout.
   */
  <T, X extends Exception> Optional<T> tryCall(
      int n, Duration timeout, ThrowingCallable<? extends @Nullable T, X> task)
      throws X, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(task, "task");
    if (acquire(n, timeout) != Outcome.ACQUIRED) {
      return Optional.empty();
    }
    return Optional.ofNullable(runHolding(n, task));
  }

  /** Runs {@code task} under {@code n} permits the caller holds, and gives them back. */
  <T extends @Nullable Object, X extends Exception> T runHolding(int n, ThrowingCallable<T, X> task)
      throws X {
    try {
      return task.call();
    } finally {
      release(n);
    }
  }

  private Outcome timedOut(int n, long start) {
    if (!listener.isNone()) {
      Listener.emit(listener, new FlowEvent.TimedOut(name, n, time.since(start)));
    }
    return Outcome.TIMED_OUT;
  }

  private LimiterClearedException cleared() {
    return new LimiterClearedException(
        "limiter '" + name + "' cleared its pending callers; this call never ran");
  }

  /**
   * Withdraws {@code w}. Returns true when the caller may report giving up (it holds nothing),
   * false when {@code w} was cleared (the caller throws that instead). A grant that raced with
   * giving up is handed back here.
   */
  private boolean giveUp(Waiter w) {
    Runnable hook = beforeGiveUp;
    if (hook != null) {
      hook.run();
    }
    lock.lock();
    try {
      int s = w.state;
      if (s == CLEARED) {
        return false;
      }
      w.state = CANCELLED;
      if (s == WAITING) {
        waiters.remove(w);
      } else {
        AVAILABLE.getAndAdd(this, w.permits); // the grant came as we gave up: pass it on
      }
      dispatchLocked(); // a big head leaving, or the handed-back grant, may let others in
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Returns {@code n} permits and wakes waiters they satisfy. */
  void release(int n) {
    AVAILABLE.getAndAdd(this, n);
    if (queued != 0) {
      lock.lock();
      try {
        dispatchLocked();
      } finally {
        lock.unlock();
      }
    }
  }

  private void dispatchLocked() {
    Waiter head;
    while ((head = waiters.peekFirst()) != null) {
      int a = available;
      if (a < head.permits) {
        break;
      }
      if (!AVAILABLE.compareAndSet(this, a, a - head.permits)) {
        continue;
      }
      waiters.pollFirst();
      head.state = GRANTED;
      LockSupport.unpark(head.thread);
    }
    queued = waiters.size();
  }

  /** Sets the limit; permits in use above a smaller limit drain as they are released. */
  int setLimit(int newLimit) {
    lock.lock();
    try {
      int old = limit;
      if (available == RETIRED || old == newLimit) {
        return old;
      }
      limit = newLimit;
      if (newLimit > 0) {
        lastOpenLimit = newLimit; // before dispatching, so a request admitted now passes its check
      }
      AVAILABLE.getAndAdd(this, newLimit - old);
      dispatchLocked();
      return old;
    } finally {
      lock.unlock();
    }
  }

  /** Sends every waiter away with {@link LimiterClearedException}; returns how many. */
  int clear() {
    lock.lock();
    try {
      int n = waiters.size();
      for (Waiter w : waiters) {
        w.state = CLEARED;
        LockSupport.unpark(w.thread);
      }
      waiters.clear();
      queued = 0;
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Marks the gate retired if nothing is held and nobody waits; a retired gate admits no one. */
  boolean retireIfIdle() {
    lock.lock();
    try {
      int l = limit;
      return waiters.isEmpty() && AVAILABLE.compareAndSet(this, l, RETIRED);
    } finally {
      lock.unlock();
    }
  }

  /** A permit handle that releases once. */
  static final class Held implements Permit {
    private static final VarHandle RELEASED;

    static {
      try {
        RELEASED = MethodHandles.lookup().findVarHandle(Held.class, "released", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Gate gate;
    private final int count;

    @SuppressWarnings("unused") // written through RELEASED
    private volatile boolean released;

    Held(Gate gate, int count) {
      this.gate = gate;
      this.count = count;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public boolean isReleased() {
      return released;
    }

    @Override
    public void close() {
      if (!released) { // no compare-and-set: see Permit's thread-safety note
        RELEASED.setOpaque(this, true);
        gate.release(count);
      }
    }

    @Override
    public String toString() {
      return "Permit[" + count + " of '" + gate.name + "'" + (released ? ", released]" : "]");
    }
  }
}
