package dev.weft.bench;

import dev.weft.time.TimeSource;
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
 * The time seam costs nothing over calling the JDK directly: TimeSource.system().read() vs
 * System.nanoTime().
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TimeSourceBench {

  private final TimeSource time = TimeSource.system();

  /** {@return the JDK's monotonic clock, the baseline} */
  @Benchmark
  public long jdkNanoTime() {
    return System.nanoTime();
  }

  /** {@return the same clock through weft's seam} */
  @Benchmark
  public long weftTimeSource() {
    return time.read();
  }
}
