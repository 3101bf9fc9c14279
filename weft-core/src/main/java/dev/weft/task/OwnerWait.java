package dev.weft.task;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Scope}'s owner waits for its forks: the count of settled forks, the wake-up
 * handshake between settling forks and the waiting owner, and the owner's wait loop, which enforces
 * the deadline, reports forks stuck after cancellation and turns an interrupt into cancellation.
 *
 * <p>Overview for maintainers. Only forks write `settled`, so the owner's fan-out loop does not
 * contend with them for its line; the pending forks are the scope's `forkCount - settled`. A fork
 * that settles increments `settled`, reads `waiter`, and only if the owner waits reads `forkCount`
 * (the owner writes it at every fork, so reading it always made the line bounce), unparking the
 * owner once the pending count dropped to `wakeAt` or below. The owner sets `wakeAt` and `waiter`
 * before re-reading `settled` (a volatile handshake on both sides), so no wake-up is lost; the
 * scope's `forkCount` does not change while its owner waits.
 */
@SuppressWarnings("ReferenceEquality") // identity is meant: the deadline's time source is ours
final class OwnerWait {

  /*
   * The owner yields a few times before it parks: short forks often settle meanwhile, and parking
   * and waking the owner (a futex round trip for a platform thread) was measured to cost more than
   * a 10-task fan-out itself (AllSideBySide, n=10: 0.3-0.5x of the raw executor with the yields,
   * 1.1-1.3x without). A virtual owner's yield lets forks run on its carrier.
   */
  private static final int YIELDS_BEFORE_PARKING = 8;

  private final Scope scope;
  private final AtomicInteger settled = new AtomicInteger();
  private volatile @Nullable Thread waiter;
  private volatile int wakeAt;
  private boolean interrupted; // owner only

  OwnerWait(Scope scope) {
    this.scope = scope;
  }

  /** {@return how many forks have settled} */
  int settled() {
    return settled.get();
  }

  /** {@return whether the owner was interrupted while waiting (to set the flag again)} */
  boolean interrupted() {
    return interrupted;
  }

  /** A fork's thread, once the fork settled: counts it and wakes the owner if it waits for it. */
  void forkSettled() {
    int done = settled.incrementAndGet();
    Thread w = waiter;
    if (w != null && scope.forkCount - done <= wakeAt) {
      LockSupport.unpark(w);
    }
  }

  /** Wakes the owner if it waits, to see a cancellation. Any thread. */
  void wake() {
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  /*
   * Owner: waits until at most `atMost` forks are pending. While the scope is not cancelled it
   * enforces the deadline; once cancelled, a positive `atMost` returns at once (the caller stops
   * forking), and for 0 it waits on, warning once about forks still running after the grace
   * period. An interrupt cancels the scope and is remembered, to be set again by join or close.
   */
  @SuppressWarnings("ThreadPriorityCheck") // see YIELDS_BEFORE_PARKING
  void await(int atMost) {
    for (int i = 0; i < YIELDS_BEFORE_PARKING && scope.pending() > atMost; i++) {
      Thread.yield();
    }
    if (scope.pending() <= atMost) {
      return;
    }
    wakeAt = atMost;
    waiter = Thread.currentThread();
    boolean graceArmed = false;
    boolean reported = false;
    long graceEnd = 0;
    try {
      while (scope.pending() > atMost) {
        if (scope.token.isCancelled()) {
          if (atMost > 0) {
            return;
          }
          if (!graceArmed) {
            graceEnd = scope.time.readAfter(scope.stuckGrace);
            graceArmed = true;
          }
          if (reported) {
            LockSupport.park(this);
          } else if (scope.time.read() - graceEnd >= 0) {
            StuckForks.report(scope);
            reported = true;
            continue;
          } else {
            scope.time.parkUntil(graceEnd);
          }
        } else if (!scope.deadline.isNever()) {
          if (scope.deadline.isExpired()) {
            scope.cancel(Scope.BY_DEADLINE, ScopeFailures.deadlineExceeded(scope));
            continue;
          }
          scope.time.parkUntil(
              scope.deadline.timeSource() == scope.time
                  ? scope.deadline.ticks()
                  : scope.time.readAfter(scope.deadline.remaining()));
        } else {
          LockSupport.park(this);
        }
        if (Thread.interrupted()) {
          interrupted = true;
          scope.cancel(
              Scope.BY_INTERRUPT,
              new CancelledException(
                  scope.describe()
                      + " was cancelled: its owner thread '"
                      + Thread.currentThread().getName()
                      + "' was interrupted while waiting"));
        }
      }
    } finally {
      waiter = null;
    }
  }
}
