package dev.weft.bench.task;

import dev.weft.task.Tasks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code Tasks.all} over n trivial tasks, one virtual thread each, beside the ways to do the same
 * with the JDK alone: a virtual-thread-per-task executor with futures (opened and closed per call,
 * as structured code would), {@code CompletableFuture.allOf} on a shared virtual-thread executor,
 * and the JDK 25 preview {@code StructuredTaskScope}. Each returns the sum of the results, so every
 * result is read.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
public class AllBench {

  /** How many tasks per call. */
  @Param({"10", "10000"})
  public int n;

  private List<Callable<Integer>> tasks = List.of();
  private final ExecutorService shared = Executors.newVirtualThreadPerTaskExecutor();

  /** Builds the tasks and the shared executor for the CompletableFuture peer. */
  @Setup
  public void setUp() {
    tasks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int v = i;
      tasks.add(() -> v);
    }
  }

  /** Closes the shared executor. */
  @TearDown
  public void tearDown() {
    shared.close();
  }

  /** {@return the sum, through weft} */
  @Benchmark
  public long weftTasksAll() {
    long sum = 0;
    for (int v : Tasks.all(tasks)) {
      sum += v;
    }
    return sum;
  }

  /**
   * {@return the sum, through a virtual-thread-per-task executor and its futures}
   *
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if a task fails
   */
  @Benchmark
  public long rawExecutor() throws InterruptedException, ExecutionException {
    long sum = 0;
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> futures = new ArrayList<>(n);
      for (Callable<Integer> task : tasks) {
        futures.add(executor.submit(task));
      }
      for (Future<Integer> f : futures) {
        sum += f.get();
      }
    }
    return sum;
  }

  /** {@return the sum, through CompletableFuture.allOf on a shared virtual-thread executor} */
  @Benchmark
  public long completableFutureAllOf() {
    @SuppressWarnings({"unchecked", "rawtypes"}) // generic array creation
    CompletableFuture<Integer>[] futures = new CompletableFuture[n];
    for (int i = 0; i < n; i++) {
      Callable<Integer> task = tasks.get(i);
      futures[i] =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return task.call();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              shared);
    }
    CompletableFuture.allOf(futures).join();
    long sum = 0;
    for (CompletableFuture<Integer> f : futures) {
      sum += f.join();
    }
    return sum;
  }

  /**
   * {@return the sum, through the JDK's preview StructuredTaskScope}
   *
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  public long jdkStructuredTaskScope() throws InterruptedException {
    try (var scope = StructuredTaskScope.open()) {
      List<StructuredTaskScope.Subtask<Integer>> subtasks = new ArrayList<>(n);
      for (Callable<Integer> task : tasks) {
        subtasks.add(scope.fork(task));
      }
      scope.join();
      long sum = 0;
      for (StructuredTaskScope.Subtask<Integer> s : subtasks) {
        sum += s.get();
      }
      return sum;
    }
  }
}
