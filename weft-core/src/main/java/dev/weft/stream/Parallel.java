package dev.weft.stream;

import dev.weft.task.CancellationToken;
import dev.weft.task.Scope;
import dev.weft.task.TaskFunction;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Semantics: {@link #map} returns results in input order. The pool's threads run the work as
 * forks of one fail-fast {@link dev.weft.task.Scope}, so the function sees the caller's {@link
 * dev.weft.task.TaskContext} (deadline, cancellation token) and propagated context. The first
 * element that throws cancels the scope, which stops the other forks from claiming more items; once
 * every fork has stopped (between elements: CPU work is not interrupted mid-element, though a
 * blocked element is interrupted), the call throws what {@link dev.weft.task.Scope#join()} throws:
 * the failure, unchecked unchanged and checked in an {@link dev.weft.task.TaskFailedException}
 * naming the element's position. If the enclosing task is cancelled or the calling thread is
 * interrupted while it waits, the work stops the same way and the call throws {@link
 * dev.weft.task.CancelledException} (with the interrupt flag set again for an interrupt). Either
 * way the call returns only when no element of it still runs. A call made from one of the pool's
 * own threads (from inside {@code Parallel.map} or {@link Gather#mapOnCpu}) runs its items on that
 * thread, so nesting never deadlocks the pool.
 *
 * <p>Thread-safe: call from any number of threads; they share the pool, so total CPU parallelism
 * stays at the number of cores. Memory consistency effects: actions in the function happen-before
 * the call returns.
 */
public final class Parallel {

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
   * forks of one scope, run on the pool, claim chunk numbers from {@code nextChunk} until none is
   * left or the scope is cancelled (checked before each element). Cancellation, failures and
   * joining are the scope's; a fork wraps a checked exception itself so that it names the element.
   */
  private static void run(Object[] in, IndexTask task) {
    int n = in.length;
    if (n == 0) {
      return;
    }
    long start = Failures.start();
    if (CpuPool.isPoolThread()) {
      for (int i = 0; i < n; i++) {
        try {
          task.run(i);
        } catch (Exception e) {
          throw Failures.wrap(i, null, start, e);
        }
      }
      return;
    }
    CpuPool pool = CpuPool.shared();
    int chunk = Math.max(1, n / (pool.threads() * 8));
    int chunks = (n + chunk - 1) / chunk;
    int runners = Math.min(pool.threads(), chunks);
    AtomicInteger nextChunk = new AtomicInteger();
    try (Scope scope = Scope.builder().name("Parallel").executor(pool.executor()).open()) {
      CancellationToken token = scope.token();
      Callable<@Nullable Void> runner =
          () -> {
            for (int c; !token.isCancelled() && (c = nextChunk.getAndIncrement()) < chunks; ) {
              int end = Math.min(n, (c + 1) * chunk);
              for (int i = c * chunk; i < end && !token.isCancelled(); i++) {
                try {
                  task.run(i);
                } catch (Exception e) {
                  throw Failures.wrap(i, null, start, e);
                }
              }
            }
            return null;
          };
      for (int r = 0; r < runners; r++) {
        scope.fork(runner);
      }
      scope.join();
    }
  }
}
