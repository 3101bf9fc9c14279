package dev.weft.diagnose;

import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Measures a task to choose the right executor for it: runs it a few times, in sequence, on a
 * platform thread of its own, and compares wall time with the thread's CPU time. A task that spends
 * most of its time off the CPU waiting (network, disk, sleep, locks) is {@linkplain Kind#IO_BOUND
 * I/O-bound}: run many at once on virtual threads. A task that spends it computing is {@linkplain
 * Kind#CPU_BOUND CPU-bound}: run as many as there are cores on a platform pool. Between the two it
 * is {@linkplain Kind#MIXED mixed}.
 *
 * <p>Stateless and thread-safe. Measure before choosing; measure in conditions like production's (a
 * warm JVM, real data, a real network).
 *
 * {@snippet :
 * Workload.Profile profile = Workload.measure(() -> http.send(request, ofString()), 5);
 * Workload.Recommendation r = profile.recommend(Workload.Limits.of(200).targetPerSecond(500));
 * System.out.println(profile.summary() + "\n" + r.reason());
 * }
 *
 * <p>How it measures: wall time from the {@link TimeSource}; CPU time and allocated bytes of the
 * measuring thread from {@code ThreadMXBean} ({@code getCurrentThreadCpuTime}, {@code
 * getCurrentThreadAllocatedBytes}); on Linux, also the time the thread was runnable but waiting for
 * a core ({@code /proc/thread-self/schedstat}). That wait is the machine's contention, not the
 * task's nature (on a busy or CPU-throttled machine it can exceed the task's own CPU time, even for
 * a task that only sleeps), so it is left out: a run's CPU share is {@code cpu / (wall - run-queue
 * wait)}, the share the task would show on an idle machine, and the task's is the median over the
 * runs (so that one run slowed by a GC pause or a stalled machine does not decide). At most {@value
 * #IO_SHARE} is I/O-bound, at least {@value #CPU_SHARE} CPU-bound. Where the run-queue wait is
 * unknown (not Linux) the share is {@code cpu / wall}, which a busy machine lowers. Only the
 * measuring thread is seen: work that the task hands to other threads or processes counts as
 * waiting.
 */
public final class Workload {

  /** At or below this CPU share a task is I/O-bound. */
  public static final double IO_SHARE = 0.25;

  /** At or above this CPU share a task is CPU-bound. */
  public static final double CPU_SHARE = 0.75;

  private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

  private Workload() {}

  /** What bounds a task's speed. */
  public enum Kind {
    /** Mostly waiting: virtual threads, concurrency by Little's law. */
    IO_BOUND,
    /** Mostly computing: a platform pool of one thread per core. */
    CPU_BOUND,
    /** Both: virtual threads, limited so the computing part does not oversubscribe the cores. */
    MIXED
  }

  /** Where to run tasks. */
  public enum Executor {
    /** One virtual thread per task, with a concurrency limit. */
    VIRTUAL_THREADS,
    /** A fixed pool of platform threads. */
    PLATFORM_POOL
  }

  /**
   * One run of the task.
   *
   * @param wall elapsed time
   * @param cpu CPU time of the thread
   * @param runQueueWait time runnable but waiting for a core; zero where unknown
   * @param allocatedBytes bytes the thread allocated; 0 where unknown
   */
  public record Sample(Duration wall, Duration cpu, Duration runQueueWait, long allocatedBytes) {
    /** Validates the parts. */
    public Sample {
      Objects.requireNonNull(wall, "wall");
      Objects.requireNonNull(cpu, "cpu");
      Objects.requireNonNull(runQueueWait, "runQueueWait");
    }
  }

  /**
   * Bounds for a recommendation.
   *
   * @param cores the cores the work may use
   * @param maxConcurrency the most tasks that may run at once (a pool's size, a server's limit)
   * @param targetPerSecond the throughput wanted, if any; without one, I/O-bound work gets the
   *     concurrency at which its CPU part would fill the cores
   */
  public record Limits(int cores, int maxConcurrency, OptionalDouble targetPerSecond) {
    /** Validates the parts. */
    public Limits {
      if (cores < 1) {
        throw new IllegalArgumentException("cores must be >= 1, was " + cores);
      }
      if (maxConcurrency < 1) {
        throw new IllegalArgumentException("maxConcurrency must be >= 1, was " + maxConcurrency);
      }
      Objects.requireNonNull(targetPerSecond, "targetPerSecond");
      if (targetPerSecond.isPresent() && !(targetPerSecond.getAsDouble() > 0)) {
        throw new IllegalArgumentException(
            "targetPerSecond must be > 0, was " + targetPerSecond.getAsDouble());
      }
    }

    /**
     * {@return limits of this machine's cores and at most {@code maxConcurrency} tasks at once}
     *
     * @param maxConcurrency at least 1
     */
    public static Limits of(int maxConcurrency) {
      return new Limits(
          Runtime.getRuntime().availableProcessors(), maxConcurrency, OptionalDouble.empty());
    }

    /**
     * {@return these limits with a target throughput}
     *
     * @param perSecond tasks per second wanted; positive
     */
    public Limits targetPerSecond(double perSecond) {
      return new Limits(cores, maxConcurrency, OptionalDouble.of(perSecond));
    }
  }

  /**
   * Where and how wide to run a task.
   *
   * @param executor virtual threads or a platform pool
   * @param concurrency how many tasks to run at once
   * @param reason why, with the numbers, in one sentence
   */
  public record Recommendation(Executor executor, int concurrency, String reason) {
    /** Validates the parts. */
    public Recommendation {
      Objects.requireNonNull(executor, "executor");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * What the measurements say. {@link #wall()}, {@link #cpu()}, {@link #runQueueWait()} and {@link
   * #allocatedBytes()} are means over the samples.
   *
   * @param samples the runs
   * @param wall mean wall time
   * @param cpu mean CPU time
   * @param runQueueWait mean time waiting for a core
   * @param allocatedBytes mean bytes allocated
   * @param cpuShare the median over the samples of {@code cpu / (wall - runQueueWait)}, in [0, 1]
   * @param kind the classification
   */
  public record Profile(
      List<Sample> samples,
      Duration wall,
      Duration cpu,
      Duration runQueueWait,
      long allocatedBytes,
      double cpuShare,
      Kind kind) {

    /** Copies the list. */
    public Profile {
      samples = List.copyOf(samples);
    }

    /** {@return a recommendation with this machine's cores and at most 10,000 tasks at once} */
    public Recommendation recommend() {
      return recommend(Limits.of(10_000));
    }

    /**
     * {@return where and how wide to run the task within {@code limits}}: a CPU-bound task gets a
     * platform pool of {@code cores} threads; otherwise virtual threads, as many as Little's law
     * needs for the target throughput ({@code target x mean wall time}), or without a target as
     * many as keep the cores busy ({@code cores / cpuShare}), never above {@code maxConcurrency}
     *
     * @param limits the bounds
     */
    public Recommendation recommend(Limits limits) {
      double wallSeconds = wall.toNanos() / 1e9;
      if (kind == Kind.CPU_BOUND) {
        int n = Math.min(limits.cores(), limits.maxConcurrency());
        return new Recommendation(
            Executor.PLATFORM_POOL,
            n,
            String.format(
                Locale.ROOT,
                "CPU-bound (CPU share %.0f%%): a pool of %d platform threads, one per"
                    + " core; more threads would only queue for the cores",
                cpuShare * 100,
                n));
      }
      double saturating = cpuShare <= 0 ? Double.POSITIVE_INFINITY : limits.cores() / cpuShare;
      int n;
      String why;
      if (limits.targetPerSecond().isPresent()) {
        double target = limits.targetPerSecond().getAsDouble();
        double little = target * wallSeconds;
        n = clamp(Math.ceil(little), limits.maxConcurrency());
        why =
            String.format(
                Locale.ROOT,
                "Little's law: %.1f/s x %.3f s = %.1f in flight",
                target,
                wallSeconds,
                little);
        if (little > saturating) {
          why +=
              String.format(
                  Locale.ROOT,
                  "; beyond %.0f the CPU part fills %d cores, so the target may be out of reach",
                  saturating,
                  limits.cores());
        }
      } else {
        n = clamp(Math.ceil(saturating), limits.maxConcurrency());
        why =
            String.format(
                Locale.ROOT,
                "%d cores / %.3f CPU share = %s tasks keep the cores busy",
                limits.cores(),
                cpuShare,
                Double.isInfinite(saturating)
                    ? "unbounded"
                    : String.format(Locale.ROOT, "%.1f", saturating));
      }
      if (n == limits.maxConcurrency()) {
        why += "; capped at maxConcurrency " + limits.maxConcurrency();
      }
      String kindText = kind == Kind.IO_BOUND ? "I/O-bound" : "mixed";
      return new Recommendation(
          Executor.VIRTUAL_THREADS,
          n,
          String.format(
              Locale.ROOT,
              "%s (CPU share %.0f%%): virtual threads, at most %d at once (%s)",
              kindText,
              cpuShare * 100,
              n,
              why));
    }

    /** {@return one line: kind, means and share} */
    public String summary() {
      return String.format(
          Locale.ROOT,
          "%s: wall %.3f ms, cpu %.3f ms, run-queue wait %.3f ms, cpu share %.2f, %d bytes"
              + " allocated (means of %d runs)",
          kind,
          wall.toNanos() / 1e6,
          cpu.toNanos() / 1e6,
          runQueueWait.toNanos() / 1e6,
          cpuShare,
          allocatedBytes,
          samples.size());
    }
  }

  private static int clamp(double wanted, int max) {
    return (int) Math.max(1, Math.min(max, wanted));
  }

  /**
   * Measures {@code task} on the system clock; see {@link #measure(Callable, int, TimeSource)}.
   *
   * @param task the work to measure
   * @param samples how many measured runs; at least 1
   * @return the profile
   * @throws Exception whatever the task throws, unchanged
   */
  public static Profile measure(Callable<?> task, int samples) throws Exception {
    return measure(task, samples, TimeSource.system());
  }

  /**
   * Runs {@code task} once to warm up, then {@code samples} times measured, one after another on a
   * platform thread named {@code weft-workload-N}, and classifies it.
   *
   * <p>Returns the profile once every run has returned. Throws what the task throws, unchanged, at
   * its first failure. Throws {@link InterruptedException} if the caller is interrupted while
   * waiting: the measuring thread is interrupted and joined first.
   *
   * @param task the work to measure
   * @param samples how many measured runs; at least 1
   * @param time the clock for wall time
   * @return the profile
   * @throws IllegalArgumentException if {@code samples} is below 1
   * @throws Exception whatever the task throws, unchanged
   */
  public static Profile measure(Callable<?> task, int samples, TimeSource time) throws Exception {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(time, "time");
    if (samples < 1) {
      throw new IllegalArgumentException("samples must be >= 1, was " + samples);
    }
    Sample[] results = new Sample[samples];
    Exception[] failure = new Exception[1];
    Thread thread =
        WeftThreads.platform("weft-workload", true)
            .newThread(() -> {
              try {
                task.call(); // warm-up
                for (int i = 0; i < samples; i++) {
                  results[i] = sample(task, time);
                }
              } catch (Exception e) {
                failure[0] = e;
              }
            });
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      thread.interrupt();
      WeftThreads.joinUninterruptibly(thread);
      throw e;
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    return of(List.of(results));
  }

  /**
   * {@return the profile of samples measured elsewhere}, such as runs of a child process whose wall
   * and CPU time the caller measured
   *
   * @param samples at least one
   * @throws IllegalArgumentException if {@code samples} is empty
   */
  public static Profile of(List<Sample> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("samples must not be empty");
    }
    long wall = 0;
    long cpu = 0;
    long wait = 0;
    long alloc = 0;
    for (Sample s : samples) {
      wall += s.wall().toNanos();
      cpu += s.cpu().toNanos();
      wait += s.runQueueWait().toNanos();
      alloc += s.allocatedBytes();
    }
    int n = samples.size();
    double share = median(samples.stream().mapToDouble(Workload::share).sorted().toArray());
    Kind kind =
        share <= IO_SHARE ? Kind.IO_BOUND : share >= CPU_SHARE ? Kind.CPU_BOUND : Kind.MIXED;
    return new Profile(
        samples,
        Duration.ofNanos(wall / n),
        Duration.ofNanos(cpu / n),
        Duration.ofNanos(wait / n),
        alloc / n,
        share,
        kind);
  }

  /** {@return the sample's CPU share: cpu / (wall - run-queue wait), in [0, 1]} */
  static double share(Sample s) {
    long busyOrBlocked = s.wall().toNanos() - s.runQueueWait().toNanos();
    return busyOrBlocked <= 0
        ? 1.0
        : Math.min(1.0, Math.max(0.0, (double) s.cpu().toNanos() / busyOrBlocked));
  }

  private static double median(double[] sorted) {
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static Sample sample(Callable<?> task, TimeSource time) throws Exception {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.ThreadMXBean sun =
        threads instanceof com.sun.management.ThreadMXBean s ? s : null;
    long wait0 = runQueueWait();
    long alloc0 = allocated(sun);
    long cpu0 = threads.getCurrentThreadCpuTime();
    long wall0 = time.read();
    task.call();
    long wall1 = time.read();
    long cpu1 = threads.getCurrentThreadCpuTime();
    long alloc1 = allocated(sun);
    long wait1 = runQueueWait();
    return new Sample(
        Duration.ofNanos(wall1 - wall0),
        Duration.ofNanos(cpu0 < 0 || cpu1 < 0 ? 0 : cpu1 - cpu0),
        Duration.ofNanos(wait0 < 0 || wait1 < 0 ? 0 : Math.max(0, wait1 - wait0)),
        alloc0 < 0 || alloc1 < 0 ? 0 : alloc1 - alloc0);
  }

  private static long allocated(com.sun.management.@Nullable ThreadMXBean sun) {
    return sun == null || !sun.isThreadAllocatedMemorySupported()
        ? -1
        : sun.getCurrentThreadAllocatedBytes();
  }

  /** {@return the current thread's run-queue wait in ns from Linux's schedstat, or -1} */
  private static long runQueueWait() {
    try {
      String text = Files.readString(SCHEDSTAT).trim(); // "<on cpu> <waiting> <slices>", in ns
      int first = text.indexOf(' ');
      int second = text.indexOf(' ', first + 1);
      return first < 0
          ? -1
          : Long.parseLong(text.substring(first + 1, second < 0 ? text.length() : second));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
