package dev.weft.channel;

import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One blocked call (a {@code send}, a {@code receive} or a whole {@code select}): a thread and the
 * one state that decides how the call ended. The state starts {@link #WAITING}; exactly one CAS
 * moves it away, either to the index of the clause that won (by the thread that completed that
 * clause, holding that clause's channel lock) or to {@link #GAVE_UP} (by the waiting thread, on
 * timeout, interrupt, cancellation or deadline). Whoever loses that CAS leaves the call alone: a
 * completer moves on to the next waiter and keeps its element; a thread that failed to give up
 * takes the result it was handed.
 *
 * <p>Thread-safe; {@link #await} is called only by {@link #thread}.
 */
final class Waiter {

  static final int WAITING = -1;
  static final int GAVE_UP = -2;

  /** {@link #await} result: the time limit passed (the waiter gave up). */
  static final int TIMED_OUT = -3;

  /** {@link #await} result: the task's deadline passed (the waiter gave up). */
  static final int DEADLINE = -4;

  /** Spins before parking: a hand-off often arrives within a few hundred nanoseconds. */
  private static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 64 : 0;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Thread thread;
  private volatile int state = WAITING;

  Waiter(Thread thread) {
    this.thread = thread;
  }

  /**
   * {@return whether this call completed clause {@code clause}} Called under its channel's lock.
   */
  boolean tryWin(int clause) {
    if (state == WAITING && STATE.compareAndSet(this, WAITING, clause)) {
      LockSupport.unpark(thread);
      return true;
    }
    return false;
  }

  /** {@return whether the call is still waiting for a counterpart} */
  boolean isWaiting() {
    return state == WAITING;
  }

  /**
   * Waits until a clause wins, giving up at {@code until} on {@code time} (when {@code timed}), on
   * interrupt, or when {@code token} is cancelled. A give-up that loses to a win returns the win
   * (restoring the interrupt status if an interrupt was the reason), so no element is lost.
   *
   * @return the winning clause, {@link #TIMED_OUT}, or {@link #DEADLINE} (when {@code
   *     untilIsDeadline})
   * @throws InterruptedException if interrupted first (status cleared)
   * @throws CancelledException if the token was cancelled first
   */
  int await(
      TimeSource time, boolean timed, long until, boolean untilIsDeadline, CancellationToken token)
      throws InterruptedException {
    // a virtual thread does not spin: it would hold its carrier, on which the counterpart may be
    // waiting to run
    for (int i = 0, n = thread.isVirtual() ? 0 : SPINS; i < n; i++) {
      int s = state;
      if (s >= 0) {
        return s;
      }
      Thread.onSpinWait();
    }
    while (true) {
      int s = state;
      if (s >= 0) {
        return s;
      }
      if (Thread.interrupted()) {
        if (giveUp()) {
          throw new InterruptedException();
        }
        Thread.currentThread().interrupt();
        return state;
      }
      if (token.isCancelled()) {
        if (giveUp()) {
          token.throwIfCancelled();
        }
        return state;
      }
      if (timed && time.read() - until >= 0) {
        if (giveUp()) {
          return untilIsDeadline ? DEADLINE : TIMED_OUT;
        }
        return state;
      }
      if (timed) {
        time.parkUntil(until);
      } else {
        LockSupport.park(this);
      }
    }
  }

  private boolean giveUp() {
    return STATE.compareAndSet(this, WAITING, GAVE_UP);
  }
}
