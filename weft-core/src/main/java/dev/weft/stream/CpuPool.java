package dev.weft.stream;

import dev.weft.observe.WeftThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The shared pool of platform threads for CPU-bound work: one thread per available processor, named
 * {@code weft-cpu-N}, daemon, created on demand and ended after two idle seconds, so that a program
 * that stops using it keeps no thread. Not the common fork-join pool, which other libraries fill
 * with blocking work. Thread-safe.
 */
final class CpuPool {

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
            WeftThreads.platform("weft-cpu", true));
    executor.allowCoreThreadTimeOut(true);
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
