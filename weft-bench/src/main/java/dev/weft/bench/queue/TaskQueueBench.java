package dev.weft.bench.queue;

import dev.weft.queue.TaskQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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

/**
 * Issue 6: {@code tasks} tiny tasks (an add to a counter) pushed through a queue that runs {@code
 * concurrency} at a time, and waited for. One operation = the whole batch. Peers: a fixed
 * ThreadPoolExecutor (unbounded LinkedBlockingQueue) and a virtual-thread-per-task executor gated
 * by a Semaphore. weft's queue is bounded (capacity 10,000, the submitter blocks), so its memory
 * stays flat; the ThreadPoolExecutor's queue is unbounded.
 */
@SuppressWarnings("NullAway.Init") // JMH fills @Param fields and @Setup runs before any benchmark
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TaskQueueBench {

  @Param({"1000000"})
  public int tasks;

  @Param({"4"})
  public int concurrency;

  private ThreadPoolExecutor pool;
  private ExecutorService virtual;
  private final LongAdder counter = new LongAdder();

  /** Starts the peers' executors. */
  @Setup(Level.Trial)
  public void setUp() {
    pool =
        new ThreadPoolExecutor(
            concurrency, concurrency, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    pool.prestartAllCoreThreads();
    virtual = Executors.newVirtualThreadPerTaskExecutor();
  }

  /** Stops them. */
  @TearDown(Level.Trial)
  public void tearDown() {
    pool.shutdownNow();
    virtual.shutdownNow();
  }

  /** {@return the count} weft's TaskQueue: submit all, awaitIdle. */
  @Benchmark
  public long weftTaskQueue() throws InterruptedException {
    try (TaskQueue q =
        TaskQueue.builder().name("bench").concurrency(concurrency).capacity(10_000).build()) {
      for (int i = 0; i < tasks; i++) {
        q.submit(() -> {
          counter.increment();
          return null;
        });
      }
      q.awaitIdle();
    }
    return counter.sum();
  }

  /** {@return the count} a fixed ThreadPoolExecutor, counted down by a latch. */
  @Benchmark
  public long threadPoolExecutor() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(tasks);
    for (int i = 0; i < tasks; i++) {
      pool.execute(() -> {
        counter.increment();
        done.countDown();
      });
    }
    done.await();
    return counter.sum();
  }

  /**
   * {@return the count} one virtual thread per task, at most {@code concurrency} by a Semaphore.
   */
  @Benchmark
  public long virtualThreadsWithSemaphore() throws InterruptedException {
    Semaphore permits = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(tasks);
    for (int i = 0; i < tasks; i++) {
      permits.acquire();
      virtual.execute(() -> {
        try {
          counter.increment();
        } finally {
          permits.release();
          done.countDown();
        }
      });
    }
    done.await();
    return counter.sum();
  }
}
