package dev.weft.lincheck;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * The bounded Lincheck configurations every test of this package starts from: small scenarios (2 or
 * 3 threads of 3 operations, 2 before and after), few enough iterations that one strategy of one
 * primitive runs in a few seconds on 2 cores. A test may tighten or widen them, and says why.
 */
public final class Checks {

  /** The largest thread id Lincheck's {@code ThreadIdGen} hands out in these configurations. */
  static final int MAX_THREAD_ID = 7;

  private Checks() {}

  /** {@return one fresh value per thread id, for state that each thread keeps to itself} */
  static <T> List<T> perThread(Supplier<T> fresh) {
    return IntStream.rangeClosed(0, MAX_THREAD_ID).mapToObj(i -> fresh.get()).toList();
  }

  /** {@return model checking: 2 threads, 3 operations each, 10 scenarios of 300 interleavings} */
  public static ModelCheckingOptions model() {
    return new ModelCheckingOptions()
        .iterations(10)
        .invocationsPerIteration(300)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(2);
  }

  /** {@return stress: 3 threads, 3 operations each, 10 scenarios run 1000 times each} */
  public static StressOptions stress() {
    return new StressOptions()
        .iterations(10)
        .invocationsPerIteration(1000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(2);
  }
}
