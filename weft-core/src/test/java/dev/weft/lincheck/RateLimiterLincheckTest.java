package dev.weft.lincheck;

import dev.weft.flow.RateLimiter;
import dev.weft.test.ManualClock;
import java.time.Duration;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link RateLimiter}'s non-blocking operations on a {@link ManualClock} against
 * {@link Spec}, the token bucket its javadoc states: admitting {@code n} permits at time {@code
 * now} sets {@code tat = max(tat, now) + n·interval}, allowed when the new {@code tat} is at most
 * {@code now + burst·interval}; a new limiter starts full. The clock is part of the state: {@code
 * advance} is an operation, racing with the admissions, so a decision taken on a reading the clock
 * has since passed must still be one of a valid order.
 *
 * <p>Checked: {@code tryAcquire(1..2)} (burst 2, one permit per 10 ns) and advancing the clock by 0
 * to 15 ns; model checking and stress. Not checked: {@code availablePermits()}, a snapshot: an
 * admission decided on a clock reading taken before a concurrent advance can land after another
 * thread read the advanced clock and the old bucket, which no order of whole operations explains
 * (the soak configuration showed it: advance(2) then availablePermits() = 2 in one thread,
 * tryAcquire(2) = true in the other, then availablePermits() = 1). A lock-free limiter cannot read
 * an outside clock and update its state in one step; a tryAcquire that commits on a stale reading
 * is one that no other admission overtook. Not checked either: the blocking {@code acquire} and
 * {@code tryAcquire(n, Duration)} (nobody ever waits here, so the FIFO turnstile is idle: {@code
 * RateLimiterTest} covers it), keyed limiters' retirement.
 */
public class RateLimiterLincheckTest {

  static final long INTERVAL = 10;
  static final int BURST = 2;

  private final ManualClock clock = new ManualClock();
  private final RateLimiter limiter =
      RateLimiter.builder()
          .rate(1, Duration.ofNanos(INTERVAL))
          .burst(BURST)
          .timeSource(clock)
          .build();

  @Operation
  public boolean tryAcquire(@Param(gen = IntGen.class, conf = "1:2") int n) {
    return limiter.tryAcquire(n);
  }

  @Operation
  public void advance(@Param(gen = IntGen.class, conf = "0:3") int fives) {
    clock.advance(Duration.ofNanos(5L * fives));
  }

  @Test
  void modelChecking() {
    Checks.model().sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    Checks.stress().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The bucket as the javadoc computes it, with its own clock. */
  public static final class Spec {
    private long now;
    private long tat;

    public boolean tryAcquire(int n) {
      long next = Math.max(tat, now) + n * INTERVAL;
      if (next - now > BURST * INTERVAL) {
        return false;
      }
      tat = next;
      return true;
    }

    public void advance(int fives) {
      now += 5L * fives;
    }
  }
}
