package dev.weft.bench.flow;

import dev.weft.flow.Limiter;
import dev.weft.flow.Permit;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Acquire and release of one permit: weft's {@link Limiter} (FIFO, resizable) against the JDK's
 * {@link Semaphore}, non-fair and fair. "Wide" has more permits than threads (the uncontended path:
 * nobody waits); "narrow" has one permit, so with two threads one waits. Run with {@code -t 1} and
 * {@code -t 2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class LimiterBench {

  private final Limiter wide = Limiter.of(64);
  private final Limiter narrow = Limiter.of(1);
  private final Semaphore wideJdk = new Semaphore(64);
  private final Semaphore wideJdkFair = new Semaphore(64, true);
  private final Semaphore narrowJdkFair = new Semaphore(1, true);

  /** weft, uncontended: a permit handle, closed. */
  @Benchmark
  public int weftWide() throws InterruptedException {
    try (Permit p = wide.acquire()) {
      return p.count();
    }
  }

  /** weft, uncontended, through call(task). */
  @Benchmark
  public int weftWideCall() throws InterruptedException {
    return wide.call(() -> 1);
  }

  /** JDK non-fair semaphore, uncontended. */
  @Benchmark
  public int jdkWide() throws InterruptedException {
    wideJdk.acquire();
    wideJdk.release();
    return 1;
  }

  /** JDK fair semaphore, uncontended. */
  @Benchmark
  public int jdkFairWide() throws InterruptedException {
    wideJdkFair.acquire();
    wideJdkFair.release();
    return 1;
  }

  /** weft, one permit (FIFO hand-off when two threads run). */
  @Benchmark
  public int weftNarrow() throws InterruptedException {
    try (Permit p = narrow.acquire()) {
      return p.count();
    }
  }

  /** JDK fair semaphore, one permit. */
  @Benchmark
  public int jdkFairNarrow() throws InterruptedException {
    narrowJdkFair.acquire();
    narrowJdkFair.release();
    return 1;
  }
}
