package dev.weft.bench.stream;

import dev.weft.stream.Gather;
import dev.weft.stream.Parallel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 6: CPU-bound maps. {@code hash4k}: SHA-256 of 4 KiB per element, 10,000 elements; {@code
 * tiny}: a multiply-add per element, 1,000,000 elements (chunking matters). weft's Parallel.map and
 * Gather.mapOnCpu against a parallel stream and a sequential loop. One operation = the whole map.
 */
@SuppressWarnings("NullAway.Init") // JMH fills @Param fields and @Setup runs before any benchmark
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ParallelBench {

  @Param({"hash4k", "tiny"})
  public String workload;

  private List<Integer> inputs;
  private byte[] block;

  /** Prepares inputs. */
  @Setup(Level.Trial)
  public void setUp() {
    inputs = IntStream.range(0, workload.equals("tiny") ? 1_000_000 : 10_000).boxed().toList();
    block = new byte[4096];
    new java.util.SplittableRandom(1).nextBytes(block);
  }

  private int work(int i) {
    if (workload.equals("tiny")) {
      return i * 31 + 7;
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(block);
      sha.update((byte) i);
      return sha.digest()[0] & 0xff;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@return the results} weft's Parallel.map. */
  @Benchmark
  public List<Integer> weftParallelMap() {
    return Parallel.map(inputs, this::work);
  }

  /** {@return the results} weft's Gather.mapOnCpu. */
  @Benchmark
  public List<Integer> weftMapOnCpu() {
    return inputs.stream().gather(Gather.mapOnCpu(this::work)).toList();
  }

  /** {@return the results} a parallel stream. */
  @Benchmark
  public List<Integer> parallelStream() {
    return inputs.parallelStream().map(this::work).toList();
  }

  /** {@return the results} one thread. */
  @Benchmark
  public List<Integer> sequential() {
    return inputs.stream().map(this::work).toList();
  }
}
