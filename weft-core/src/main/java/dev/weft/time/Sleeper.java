package dev.weft.time;

import java.time.Duration;

/**
 * Blocks the current thread until a reading of the paired {@link Ticker}. weft's timed waits all go
 * through {@link #parkUntil(long)}, so that a manual clock can wake them deterministically.
 *
 * <p>Implementations are thread-safe.
 */
public interface Sleeper {

  /**
   * Parks the current thread until the paired ticker reads at least {@code deadline}, until it is
   * unparked with {@link java.util.concurrent.locks.LockSupport#unpark(Thread)}, or until it is
   * interrupted, whichever comes first; it may also return spuriously. Callers re-check their
   * condition in a loop, exactly as with {@code LockSupport.parkNanos}. Does not clear or throw on
   * interrupt: callers check {@link Thread#interrupted()}.
   *
   * @param deadline a reading of the paired ticker
   */
  void parkUntil(long deadline);

  /**
   * Sleeps for {@code duration}.
   *
   * <p>Returns normally once the duration has passed on the paired ticker (at once when it is zero
   * or negative); throws {@link InterruptedException}, with the interrupt flag cleared, when the
   * thread is interrupted before or while sleeping.
   *
   * @param duration how long to sleep
   * @throws InterruptedException if the thread is interrupted
   */
  void sleep(Duration duration) throws InterruptedException;
}
