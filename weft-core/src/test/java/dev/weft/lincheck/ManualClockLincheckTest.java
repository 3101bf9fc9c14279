package dev.weft.lincheck;

import dev.weft.test.ManualClock;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link ManualClock}'s park/advance/unpark handshake against {@link Spec}, what
 * its javadoc promises: the clock moves only by {@code advance}, and a thread parked on it wakes
 * once an advance passes its deadline (no lost advance, no swallowed unpark), in the advancing
 * thread's time. {@code sleepUntil(d)} parks on the clock until it reads {@code d} or later, as
 * every caller of {@code parkUntil} does (re-checking after each return), and returns the reading
 * it woke to; the specification lets it return only once the clock has reached {@code d}, so an
 * order in which it woke early is rejected, and a lost wake-up leaves the thread parked for ever,
 * which both strategies report as a hang.
 *
 * <p>Checked: {@code sleepUntil}, {@code advance} and {@code read} in fixed scenarios in which the
 * advances are enough to wake every sleeper (a generated scenario may park a thread that nothing
 * will ever wake, which is a correct hang, not a finding): one sleeper and one advancer; two
 * sleepers with different deadlines and one advancer; a sleeper whose wake-up is needed to wake
 * another (it advances the clock after waking). Model checking explores their interleavings against
 * the specification; stress runs them on real threads, and is the one that catches a lost wake-up:
 * Lincheck's model checker lets a park return spuriously, so a thread whose unpark was lost is
 * woken anyway and re-checks (a version of {@code parkUntil} that registers itself after its last
 * look at the clock passed model checking and hung under stress within seconds). Not checked:
 * {@code awaitParked} and {@code parkedCount} (snapshots for tests; {@code
 * ManualClockHandshakeTest} covers them), interrupts.
 */
public class ManualClockLincheckTest {

  static final long STEP = 5;

  private final ManualClock clock = new ManualClock();

  /** Parks until the clock reads {@code deadline}; {@return the reading it woke to} */
  @Operation(blocking = true)
  public long sleepUntil(long deadline) {
    long now;
    while ((now = clock.read()) - deadline < 0) {
      clock.parkUntil(deadline);
    }
    return now;
  }

  @Operation
  public void advance() {
    clock.advance(Duration.ofNanos(STEP));
  }

  @Operation
  public long read() {
    return clock.read();
  }

  @Test
  void modelChecking() {
    ModelCheckingOptions options =
        new ModelCheckingOptions().iterations(0).invocationsPerIteration(1000);
    scenarios().forEach(options::addCustomScenario);
    options.sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    StressOptions options = new StressOptions().iterations(0).invocationsPerIteration(2000);
    scenarios().forEach(options::addCustomScenario);
    options.sequentialSpecification(Spec.class).check(getClass());
  }

  private static List<ExecutionScenario> scenarios() {
    Actor advance = actor("advance");
    Actor read = actor("read");
    return List.of(
        parallel(List.of(sleep(STEP), read), List.of(advance, read)),
        parallel(List.of(sleep(2 * STEP)), List.of(sleep(STEP)), List.of(advance, advance)),
        parallel(List.of(sleep(STEP), advance), List.of(sleep(2 * STEP), read), List.of(advance)));
  }

  @SafeVarargs
  private static ExecutionScenario parallel(List<Actor>... threads) {
    return new ExecutionScenario(List.of(), Arrays.asList(threads), List.of(), null);
  }

  private static Actor sleep(long deadline) {
    return new Actor(
        method("sleepUntil", long.class), List.of(deadline), false, true, false, false, false);
  }

  private static Actor actor(String name) {
    return new Actor(method(name), List.of(), false, false, false, false, false);
  }

  private static Method method(String name, Class<?>... parameters) {
    try {
      return ManualClockLincheckTest.class.getMethod(name, parameters);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  /** The clock as its javadoc describes it; a sleeper may return only once it is due. */
  public static final class Spec {
    private long now;

    public long sleepUntil(long deadline) {
      if (now - deadline < 0) {
        throw new IllegalStateException("woke at " + now + " before its deadline " + deadline);
      }
      return now;
    }

    public void advance() {
      now += STEP;
    }

    public long read() {
      return now;
    }
  }
}
