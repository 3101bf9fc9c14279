package dev.weft.bench.stream;

import dev.weft.stream.Gather;
import dev.weft.time.TimeSource;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Gatherers;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Issue 6: a concurrent map over {@code n} elements with at most {@code limit} in flight. One
 * operation = the whole stream. Workloads: {@code io1ms} (each element sleeps 1 ms), {@code
 * io10pct100ms} (every tenth sleeps 100 ms, the rest 1 ms: head-of-line blocking), {@code
 * failThird} (the third element throws at once, the others sleep 100 ms: time to surface the
 * failure) and {@code hash4k} (SHA-256 of 4 KiB: CPU). Peers: the JDK's Gatherers.mapConcurrent,
 * Reactor's flatMap(fn, limit) on virtual threads, and a parallel stream.
 */
@SuppressWarnings("NullAway.Init") // JMH fills @Param fields and @Setup runs before any benchmark
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MapConcurrentBench {

  @Param({"io1ms", "io10pct100ms", "failThird", "hash4k"})
  public String workload;

  @Param({"1000"})
  public int n;

  @Param({"64"})
  public int limit;

  private List<Integer> inputs;
  private byte[] block;
  private ExecutorService virtual;
  private Scheduler reactorVirtual;

  /** Prepares inputs and the Reactor scheduler. */
  @Setup(Level.Trial)
  public void setUp() {
    inputs = IntStream.range(0, n).boxed().toList();
    block = new byte[4096];
    new java.util.SplittableRandom(1).nextBytes(block);
    virtual = Executors.newVirtualThreadPerTaskExecutor();
    reactorVirtual = Schedulers.fromExecutorService(virtual);
  }

  /** Stops the scheduler. */
  @TearDown(Level.Trial)
  public void tearDown() {
    reactorVirtual.dispose();
    virtual.shutdownNow();
  }

  private Integer work(Integer i) throws Exception {
    switch (workload) {
      case "io1ms" -> TimeSource.system().sleep(Duration.ofMillis(1));
      case "io10pct100ms" -> TimeSource.system().sleep(Duration.ofMillis(i % 10 == 5 ? 100 : 1));
      case "failThird" -> {
        if (i == 2) {
          throw new IllegalStateException("third element fails");
        }
        TimeSource.system().sleep(Duration.ofMillis(100));
      }
      case "hash4k" -> {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(block);
        sha.update((byte) (int) i);
        return sha.digest()[0] & 0xff;
      }
      default -> throw new IllegalArgumentException(workload);
    }
    return i;
  }

  private Integer unchecked(Integer i) {
    try {
      return work(i);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object expectFailure(java.util.function.Supplier<?> run) {
    try {
      return run.get();
    } catch (RuntimeException expected) {
      return expected;
    }
  }

  /** {@return the results} weft, ordered. */
  @Benchmark
  public Object weftOrdered() {
    return expectFailure(
        () -> inputs.stream().gather(Gather.mapConcurrent(limit, this::work)).toList());
  }

  /** {@return the results} weft, unordered. */
  @Benchmark
  public Object weftUnordered() {
    return expectFailure(
        () -> inputs.stream().gather(Gather.mapConcurrentUnordered(limit, this::work)).toList());
  }

  /** {@return the results} the JDK's Gatherers.mapConcurrent (ordered only). */
  @Benchmark
  public Object jdkMapConcurrent() {
    return expectFailure(
        () -> inputs.stream().gather(Gatherers.mapConcurrent(limit, this::unchecked)).toList());
  }

  /** {@return the results} Reactor flatMap(fn, limit), each call on a virtual thread. */
  @Benchmark
  public Object reactorFlatMap() {
    return expectFailure(() ->
        Flux.fromIterable(inputs)
            .flatMap(i -> Mono.fromCallable(() -> work(i)).subscribeOn(reactorVirtual), limit)
            .collectList()
            .block());
  }

  /** {@return the results} a parallel stream on the common pool. */
  @Benchmark
  public Object parallelStream() {
    return expectFailure(() -> inputs.parallelStream().map(this::unchecked).toList());
  }
}
