package dev.weft.time;

import java.time.Duration;
import java.time.Instant;

/**
 * The one source of time for a weft component: a monotonic {@link Ticker}, a {@link Sleeper} paired
 * with it, and a wall clock for timestamps that people read (kept apart: monotonic and wall time
 * are never mixed). Every timed component takes a {@code TimeSource}, {@link #system()} by default,
 * and tests pass {@code dev.weft.test.ManualClock}.
 *
 * <p>Implementations are thread-safe.
 *
 * {@snippet :
 * TimeSource time = TimeSource.system();
 * long start = time.read();
 * time.sleep(Duration.ofMillis(10));
 * assert time.since(start).toMillis() >= 10;
 * }
 */
public interface TimeSource extends Ticker, Sleeper {

  /** {@return the wall-clock time, for timestamps only; never use it to measure durations} */
  Instant wallTime();

  /** {@return a ticker reading {@code duration} from now, saturated instead of overflowing} */
  default long readAfter(Duration duration) {
    long now = read();
    long nanos = saturatedNanos(duration);
    long sum = now + nanos;
    // overflow only when both have the same sign and the sum's sign differs
    return ((now ^ sum) & (nanos ^ sum)) < 0 ? (nanos > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum;
  }

  /**
   * {@inheritDoc}
   *
   * <p>This default parks in a loop with {@link #parkUntil(long)} until the ticker passes the end.
   */
  @Override
  default void sleep(Duration duration) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long end = readAfter(duration);
    while (read() - end < 0) {
      parkUntil(end);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /**
   * {@return the system's time source: {@code System.nanoTime}, {@code LockSupport.parkNanos},
   * {@code Instant.now}}
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }

  /**
   * {@return {@code duration} in nanoseconds, saturated at {@code Long.MAX_VALUE}/{@code
   * MIN_VALUE}}
   */
  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException overflow) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
