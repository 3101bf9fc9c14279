package dev.weft.stream;

import dev.weft.task.TaskFunction;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * CPU-bound work on weft's bounded pool of platform threads, one per core (not the common fork-join
 * pool, which other code fills with blocking work). Items are split into chunks that the pool's
 * threads claim one at a time, so tiny items cost little and uneven ones balance.
 *
 * {@snippet :
 * List<byte[]> hashes = Parallel.map(files, f -> sha256(f));
 * Parallel.forEach(images, img -> img.resize(64, 64));
 * }
 *
 * <p>Semantics: {@link #map} returns results in input order. The first element that throws stops
 * the others from claiming more chunks; once every chunk in progress has stopped (between elements:
 * CPU work is not interrupted mid-element), the call throws that failure, unchecked unchanged and
 * checked in an {@link dev.weft.task.TaskFailedException} naming the element's position. If the
 * calling thread is interrupted while it waits, the work stops the same way and the call throws
 * {@link java.util.concurrent.CancellationException} with the interrupt flag set. Either way the
 * call returns only when no element of it still runs. A call made from one of the pool's own
 * threads runs its items on that thread, so nesting never deadlocks the pool.
 *
 * <p>Thread-safe: call from any number of threads; they share the pool, so total CPU parallelism
 * stays at the number of cores. Memory consistency effects: actions in the function happen-before
 * the call returns.
 */
public final class Parallel {

  private static final ScopedValue<Boolean> IN_POOL = ScopedValue.newInstance();

  private Parallel() {}

  /** {@return the number of threads in the pool: the available processors} */
  public static int threads() {
    return CpuPool.shared().threads();
  }

  /**
   * Applies {@code fn} to every item on the CPU pool and returns the results in input order. Blocks
   * until done; see the class description for how it returns on a failure or an interrupt.
   *
   * @param items the inputs
   * @param fn the CPU-bound function; may return null
   * @return the results, in the order of {@code items}; unmodifiable
   */
  public static <T, R> List<R> map(
      Collection<? extends T> items, TaskFunction<? super T, ? extends R> fn) {
    Objects.requireNonNull(fn, "fn");
    Object[] in = items.toArray();
    @Nullable Object[] out = new Object[in.length];
    run(in, i -> out[i] = fn.apply(cast(in[i])));
    @SuppressWarnings("unchecked")
    List<R> results = (List<R>) Collections.unmodifiableList(Arrays.asList(out));
    return results;
  }

  /**
   * Runs {@code action} on every item on the CPU pool. Blocks until done; see the class description
   * for how it returns on a failure or an interrupt.
   *
   * @param items the inputs
   * @param action the CPU-bound action
   */
  public static <T> void forEach(Collection<? extends T> items, CheckedConsumer<? super T> action) {
    Objects.requireNonNull(action, "action");
    Object[] in = items.toArray();
    run(in, i -> action.accept(cast(in[i])));
  }

  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals", "NullAway"})
  private static <T> T cast(@Nullable Object o) {
    return (T) o;
  }

  private interface IndexTask {
    void run(int index) throws Exception;
  }

  /**
   * Overview for maintainers: {@code n} items in chunks of {@code chunk}; up to {@code threads}
   * runners claim chunk numbers from {@code nextChunk} until none is left or {@code stop} is set.
   * The first failure sets {@code failure} and {@code stop}; the caller waits for every runner on
   * {@code finished} (uninterruptibly once it has asked them to stop), so nothing outlives the
   * call.
   */
  private static void run(Object[] in, IndexTask task) {
    long start = Failures.start();
    int n = in.length;
    if (n == 0) {
      return;
    }
    if (IN_POOL.isBound()) {
      for (int i = 0; i < n; i++) {
        try {
          task.run(i);
        } catch (Throwable t) {
          throw rethrow(i, start, t);
        }
      }
      return;
    }
    CpuPool pool = CpuPool.shared();
    int chunk = Math.max(1, n / (pool.threads() * 8));
    int chunks = (n + chunk - 1) / chunk;
    int runners = Math.min(pool.threads(), chunks);
    AtomicInteger nextChunk = new AtomicInteger();
    AtomicReference<@Nullable Failure> failure = new AtomicReference<>();
    CountDownLatch finished = new CountDownLatch(runners);
    Runnable runner =
        () ->
            ScopedValue.where(IN_POOL, Boolean.TRUE)
                .run(() -> {
                  try {
                    for (int c;
                        failure.get() == null && (c = nextChunk.getAndIncrement()) < chunks; ) {
                      int end = Math.min(n, (c + 1) * chunk);
                      for (int i = c * chunk; i < end && failure.get() == null; i++) {
                        try {
                          task.run(i);
                        } catch (Throwable t) {
                          failure.compareAndSet(null, new Failure(i, t));
                        }
                      }
                    }
                  } finally {
                    finished.countDown();
                  }
                });
    int submitted = 0;
    try {
      for (; submitted < runners; submitted++) {
        pool.executor().execute(runner);
      }
      finished.await();
    } catch (InterruptedException e) {
      failure.compareAndSet(null, new Failure(-1, e));
    } finally {
      for (int s = submitted; s < runners; s++) {
        finished.countDown();
      }
      awaitUninterruptibly(finished);
    }
    Failure f = failure.get();
    if (f != null) {
      if (f.index < 0) {
        Thread.currentThread().interrupt();
        java.util.concurrent.CancellationException c =
            new java.util.concurrent.CancellationException(
                "interrupted while waiting for Parallel work");
        c.initCause(f.error);
        throw c;
      }
      throw rethrow(f.index, start, f.error);
    }
  }

  private record Failure(int index, Throwable error) {}

  private static RuntimeException rethrow(int index, long start, Throwable t) {
    return Failures.wrap(index, null, start, t);
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
