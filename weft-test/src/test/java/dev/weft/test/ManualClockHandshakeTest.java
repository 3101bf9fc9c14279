package dev.weft.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Stress: a thread parked on the clock must see an unpark that arrives at any moment of its
 * parkUntil, while other threads park on and advance the same clock.
 */
class ManualClockHandshakeTest {

  private static final long FAR = Long.MAX_VALUE >> 2;
  private static final int ROUNDS = 2_000;

  @Test
  void anUnparkIsNeverLostWhileOtherThreadsUseTheClock() throws Exception {
    ManualClock clock = new ManualClock();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> noise = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      noise.add(
          Thread.ofPlatform()
              .name("clock-parker-" + i)
              .start(() -> {
                while (!stop.get()) {
                  clock.parkUntil(clock.read() + 1);
                }
              }));
    }
    noise.add(
        Thread.ofPlatform()
            .name("clock-advancer")
            .start(() -> {
              while (!stop.get()) {
                clock.advance(Duration.ofNanos(1));
              }
            }));
    try {
      for (int round = 0; round < ROUNDS; round++) {
        AtomicBoolean granted = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch woke = new CountDownLatch(1);
        Thread waiter =
            Thread.ofPlatform()
                .name("clock-waiter-" + round)
                .start(() -> {
                  started.countDown();
                  while (!granted.get() && !Thread.currentThread().isInterrupted()) {
                    clock.parkUntil(FAR);
                  }
                  woke.countDown();
                });
        started.await();
        for (int spin = round % 64; spin > 0; spin--) {
          Thread.onSpinWait(); // lands the unpark at a different point of parkUntil each round
        }
        granted.set(true);
        LockSupport.unpark(waiter);
        if (!woke.await(30, TimeUnit.SECONDS)) { // a hang guard, not a timing check
          String dump = dump(waiter);
          waiter.interrupt();
          throw new AssertionError(
              "round " + round + ": the unparked waiter is still parked on " + clock + dump);
        }
        waiter.join();
      }
    } finally {
      stop.set(true);
      clock.advance(Duration.ofDays(1));
      for (Thread t : noise) {
        t.join();
      }
    }
    assertThat(clock.parkedCount()).isZero();
  }

  private static String dump(Thread t) {
    StringBuilder s = new StringBuilder("\n" + t + " " + t.getState());
    for (StackTraceElement e : t.getStackTrace()) {
      s.append("\n\tat ").append(e);
    }
    return s.toString();
  }
}
