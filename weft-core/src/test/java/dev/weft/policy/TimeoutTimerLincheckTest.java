package dev.weft.policy;

import dev.weft.lincheck.Checks;
import dev.weft.task.CancellationSource;
import dev.weft.test.ManualClock;
import java.time.Duration;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link TimeoutTimer}'s register, finish and fire against {@link Spec}: a call
 * that registers a deadline either finishes first ({@code finish} is true) or is fired by the
 * timer's first look after the deadline, never both and never neither. That a timer ends itself
 * only when nothing runs, and that the next registration revives it, is checked on the way: a timer
 * that ended too early, or was not revived, leaves a call unfired that the spec fires.
 *
 * <p>How it is played. The timer thread is one of Lincheck's threads: it calls {@link
 * TimeoutTimer#look} (one look at a given time) while the timer has not ended, the launcher does
 * nothing (its thread would only call {@code look} in a loop), and firing does nothing instead of
 * starting a thread that interrupts the caller (Lincheck 3.7 cannot follow virtual threads, and
 * interrupting its own threads would stop the check). Two calls, each in its own thread, register
 * and finish one deadline at a time. Not checked here: parking and the wake-up protocol ({@code
 * wakeAt}; Lincheck lets a park return spuriously, so a lost wake-up passes model checking), and
 * what firing does to the caller; {@code TimeoutTest} covers both with real threads.
 */
public class TimeoutTimerLincheckTest {

  static final int FAR = 100;

  private final TimeoutTimer timer = new TimeoutTimer(new ManualClock(), loop -> {}, entry -> {});
  private final TimeoutTimer.Entry[] calls = new TimeoutTimer.Entry[2];

  @Operation(nonParallelGroup = "call0")
  public String start0(@Param(gen = IntGen.class, conf = "0:2") int ticks) {
    return start(0, ticks);
  }

  @Operation(nonParallelGroup = "call0")
  public String finish0() {
    return finish(0);
  }

  /** A call whose deadline no look reaches: it shares the inbox, the heap and the timer's life. */
  @Operation(nonParallelGroup = "call1")
  public String start1() {
    return start(1, FAR);
  }

  @Operation(nonParallelGroup = "call1")
  public String finish1() {
    return finish(1);
  }

  /** One look of the timer thread at time {@code now}. */
  @Operation(nonParallelGroup = "timer")
  public void look(@Param(gen = IntGen.class, conf = "0:2") int now) {
    if (!timer
        .ended()) { // a timer exists from the registration that revived it; only a look ends it
      timer.look(now);
    }
  }

  private String start(int call, long ticks) {
    if (calls[call] != null) {
      return "busy";
    }
    calls[call] = timer.start(new CancellationSource(), ticks, "t" + call, Duration.ofNanos(ticks));
    return "registered";
  }

  private String finish(int call) {
    TimeoutTimer.Entry e = calls[call];
    if (e == null) {
      return "none";
    }
    calls[call] = null;
    return timer.finish(e) ? "done" : "fired";
  }

  @Test
  void modelChecking() {
    Checks.model().threads(3).sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    Checks.stress().sequentialSpecification(Spec.class).check(getClass());
  }

  /** Two calls with a deadline each; a look fires those whose deadline passed. */
  public static final class Spec {
    private final long[] deadline = new long[2];
    private final int[] state = new int[2]; // 0 none, 1 running, 2 fired

    public String start0(int ticks) {
      return start(0, ticks);
    }

    public String finish0() {
      return finish(0);
    }

    public String start1() {
      return start(1, FAR);
    }

    public String finish1() {
      return finish(1);
    }

    /** Fires the running calls whose deadline passed. */
    public void look(int now) {
      for (int i = 0; i < 2; i++) {
        if (state[i] == 1 && now - deadline[i] >= 0) {
          state[i] = 2;
        }
      }
    }

    private String start(int call, long ticks) {
      if (state[call] != 0) {
        return "busy";
      }
      state[call] = 1;
      deadline[call] = ticks;
      return "registered";
    }

    private String finish(int call) {
      int s = state[call];
      state[call] = 0;
      return switch (s) {
        case 0 -> "none";
        case 1 -> "done";
        default -> "fired";
      };
    }
  }
}
