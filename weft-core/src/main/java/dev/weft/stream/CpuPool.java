package dev.weft.stream;

import dev.weft.observe.WeftThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The shared pool of platform threads for CPU-bound work: one thread per available processor, named
 * {@code weft-cpu-N}, daemon, created on demand and ended after two idle seconds, so that a program
 * that stops using it keeps no thread. Not the common fork-join pool, which other libraries fill
 * with blocking work. Thread-safe.
 *
 * <p>A long-lived service: its threads are made here, not by {@code dev.weft.task}, because CPU
 * work must share one bounded set of platform threads across every caller; the work itself reaches
 * them only as forks of a {@link dev.weft.task.Scope} opened with {@code executor(executor())}.
 * Each of its threads runs with {@link #isPoolThread()} true, so that work which nests a call to
 * the pool runs it inline instead of waiting for a thread of the pool it occupies.
 */
final class CpuPool {

  private static final ScopedValue<Boolean> POOL_THREAD = ScopedValue.newInstance();

  private static final class Holder {
    static final CpuPool SHARED = new CpuPool(Runtime.getRuntime().availableProcessors());
  }

  private final int threads;
  private final ThreadPoolExecutor executor;

  private CpuPool(int threads) {
    this.threads = threads;
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            2,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            markedThreads(WeftThreads.platform("weft-cpu", true)));
    executor.allowCoreThreadTimeOut(true);
  }

  private static ThreadFactory markedThreads(ThreadFactory threads) {
    return task -> threads.newThread(() -> ScopedValue.where(POOL_THREAD, Boolean.TRUE).run(task));
  }

  /** {@return whether the calling thread is one of the pool's} */
  static boolean isPoolThread() {
    return POOL_THREAD.isBound();
  }

  static CpuPool shared() {
    return Holder.SHARED;
  }

  int threads() {
    return threads;
  }

  Executor executor() {
    return executor;
  }
}
