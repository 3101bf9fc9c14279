package dev.weft.stream;

import dev.weft.task.Settled;
import dev.weft.task.TaskFunction;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Gatherer;

/**
 * Gatherers for {@code java.util.stream}: a concurrent map on virtual threads in ordered and
 * unordered forms, a map on the CPU pool, and batching by size or time. They are ordinary {@link
 * Gatherer}s, so they compose with the JDK's own ({@code Gatherers.windowFixed}, {@code andThen})
 * and with every stream operation.
 *
 * {@snippet :
 * List<User> users = ids.stream().gather(Gather.mapConcurrent(64, id -> api.user(id))).toList();
 * ids.stream().gather(Gather.mapConcurrentUnordered(64, id -> api.user(id))).forEach(this::save);
 * events.gather(Gather.batch(500, Duration.ofMillis(200))).forEach(db::insertAll);
 * }
 *
 * <p>How the concurrent maps behave:
 *
 * <ul>
 *   <li><b>Bounded.</b> At most {@code limit} elements run at once. Ordered, at most {@link
 *       MapSettings#window()} elements (default {@code 2 * limit}) are started and not yet emitted:
 *       a slow head element stalls the stage after the window fills, but never makes it hold more.
 *       Unordered, results are emitted as they complete, so a slow element holds back nothing but
 *       its own slot. Upstream is pulled only as fast as results drain.
 *   <li><b>Structured.</b> Each element runs in a fork of one {@link dev.weft.task.Scope} that the
 *       stream's thread opens at the first element, with the guarantees of every weft fan-out
 *       ({@code docs/tasks.md}): the function sees the caller's {@link dev.weft.task.TaskContext}
 *       (deadline, cancellation token) and the context its {@link dev.weft.task.ContextPropagator}
 *       carries. However the stream ends — finished, short-circuited ({@code limit}, {@code
 *       findFirst}), failed, or by an exception downstream — the stage closes the scope, which
 *       cancels what still runs (token and interrupt), and returns only when every fork has
 *       returned. One exception: when the stream's <i>source</i> throws, the JDK calls no gatherer
 *       code, so the elements in flight run to completion unobserved (at most {@code limit} of
 *       them).
 *   <li><b>Fail-fast.</b> When the function throws for one element, the scope cancels every other
 *       running element at once, from the failing element's thread; the stream then throws what
 *       {@link dev.weft.task.Scope#join()} throws, after every fork has returned: the first
 *       failure, unchecked unchanged, checked in a {@link dev.weft.task.TaskFailedException} naming
 *       the element's position in the stream ({@code task #2 failed after ...}), later failures
 *       suppressed. The JDK's {@code Gatherers.mapConcurrent} reports a failure only when it
 *       reaches the failed element in order.
 *   <li><b>Cancellation and interrupts.</b> If the enclosing task is cancelled, or its deadline
 *       passes, the forks are cancelled and the stream throws {@link
 *       dev.weft.task.CancelledException} or {@link dev.weft.task.DeadlineExceededException}. If
 *       the stream's thread is interrupted while it waits for results, the stage cancels its forks,
 *       waits for them, keeps the interrupt flag set and throws {@link
 *       dev.weft.task.CancelledException} (a {@link java.util.concurrent.CancellationException}).
 *   <li><b>Bookkeeping.</b> The scope keeps a small record (about a hundred bytes) of each fork
 *       until it closes; after 4,096 elements the stage replaces its scope whenever nothing is in
 *       flight, so only a stream that never runs dry accumulates them for its whole length.
 * </ul>
 *
 * <p>{@link #mapConcurrentSettled} is the settle form: it emits a {@link Settled} per element and
 * cancels nothing when one fails.
 *
 * <p>For a per-element policy (retry, timeout), wrap the call inside the function: {@code
 * Gather.mapConcurrent(64, id -> retry.call(() -> api.user(id)))}.
 *
 * <p>Gatherers returned here are immutable and may be reused; each stream gets its own state.
 */
public final class Gather {

  private Gather() {}

  /**
   * {@return a gatherer that applies {@code fn} to each element on its own virtual thread, at most
   * {@code limit} at once, and emits the results in input order; fail-fast}
   *
   * @param limit the most elements in flight at once
   * @param fn the blocking function
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public static <T, R> Gatherer<T, ?, R> mapConcurrent(
      int limit, TaskFunction<? super T, ? extends R> fn) {
    return mapConcurrent(MapSettings.limit(limit), fn);
  }

  /**
   * {@return a gatherer that applies {@code fn} to each element on its own virtual thread, at most
   * {@code limit} at once, and emits each result as soon as it is ready; fail-fast}
   *
   * @param limit the most elements in flight at once
   * @param fn the blocking function
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public static <T, R> Gatherer<T, ?, R> mapConcurrentUnordered(
      int limit, TaskFunction<? super T, ? extends R> fn) {
    return mapConcurrent(MapSettings.limit(limit).unordered(), fn);
  }

  /**
   * {@return a gatherer that applies {@code fn} to each element on its own virtual thread as {@code
   * settings} say; fail-fast}
   *
   * @param settings the limit, the order and the ordered window
   * @param fn the blocking function
   */
  public static <T, R> Gatherer<T, ?, R> mapConcurrent(
      MapSettings settings, TaskFunction<? super T, ? extends R> fn) {
    return new ConcurrentMap<T, R>(settings, fn, "Gather.mapConcurrent", null).gatherer();
  }

  /**
   * {@return a gatherer that applies {@code fn} to each element on its own virtual thread as {@code
   * settings} say and emits how each call ended, success or failure, instead of failing fast: a
   * failed element cancels nothing}
   *
   * {@snippet :
   * ids.stream().gather(Gather.mapConcurrentSettled(MapSettings.limit(32), id -> api.user(id)))
   *     .forEach(s -> { if (!s.isSuccess()) log.warn("skipped", ((Settled.Failure<User>) s).cause()); });
   * }
   *
   * <p>A {@link Settled.Failure} holds exactly what the function threw (checked exceptions are not
   * wrapped). {@link Error}s are not settled: they fail the stream.
   *
   * @param settings the limit, the order and the ordered window
   * @param fn the blocking function
   */
  public static <T, R> Gatherer<T, ?, Settled<R>> mapConcurrentSettled(
      MapSettings settings, TaskFunction<? super T, ? extends R> fn) {
    Objects.requireNonNull(fn, "fn");
    TaskFunction<T, Settled<R>> settle =
        t -> {
          try {
            return Settled.success(fn.apply(t));
          } catch (Exception e) {
            return Settled.failure(e);
          }
        };
    return mapConcurrent(settings, settle);
  }

  /**
   * {@return a gatherer that applies the CPU-bound {@code fn} to each element on weft's pool of
   * platform threads (one per core; see {@link Parallel}), keeping input order; fail-fast}
   *
   * <p>This is the CPU stage of a pipeline: after an I/O stage on virtual threads, {@code
   * .gather(Gather.mapConcurrent(64, this::download)).gather(Gather.mapOnCpu(this::parse))}.
   *
   * <p>Each chunk is a fork of one {@link dev.weft.task.Scope} run on the pool, with the same
   * structure, context, cancellation and failures as {@link #mapConcurrent(int, TaskFunction)}; a
   * function that itself calls {@link Parallel#map} runs that call inline on its pool thread.
   *
   * <p>Elements go to the pool in chunks whose size adapts to what one element costs: one per task
   * for coarse elements (a parse, a hash), up to thousands for tiny ones, so that a chunk runs for
   * about 0.2 ms. At most two chunks per core run at once. The price of a chunk is latency: an
   * element waits until its chunk fills or the stream ends. The stage is fed by the stream's one
   * thread, so on elements much cheaper than a stream step it runs at about the speed of a
   * sequential stream; use {@link Parallel#map} for a collection of tiny items.
   *
   * @param fn the CPU-bound function
   */
  public static <T, R> Gatherer<T, ?, R> mapOnCpu(TaskFunction<? super T, ? extends R> fn) {
    CpuPool pool = CpuPool.shared();
    return new CpuMap<T, R>(fn, pool.executor(), 2 * pool.threads()).gatherer();
  }

  /**
   * {@return a gatherer that groups elements into lists of {@code size}, emitting a shorter batch
   * when {@code maxWait} has passed since the batch's first element, and the remainder at the end}
   *
   * <p>The gatherer runs only when an element arrives (a stream pushes; it has no timer), so the
   * time limit is checked when the next element comes: a batch is never held longer than {@code
   * maxWait} once more elements flow, and a source that goes quiet leaves its last partial batch
   * until it sends again or ends. Batches are unmodifiable lists.
   *
   * @param size the most elements per batch, {@code >= 1}
   * @param maxWait how long a batch may stay open, {@code > 0}
   * @throws IllegalArgumentException if {@code size < 1} or {@code maxWait} is not positive
   */
  public static <T> Gatherer<T, ?, List<T>> batch(int size, Duration maxWait) {
    return batch(size, maxWait, TimeSource.system());
  }

  /**
   * {@return {@link #batch(int, Duration)} measuring time on {@code time}}
   *
   * @param size the most elements per batch, {@code >= 1}
   * @param maxWait how long a batch may stay open, {@code > 0}
   * @param time the clock
   */
  public static <T> Gatherer<T, ?, List<T>> batch(int size, Duration maxWait, TimeSource time) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1, was " + size);
    }
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("maxWait must be > 0, was " + maxWait);
    }
    Objects.requireNonNull(time, "time");
    return new Batcher<T>(size, TimeSource.saturatedNanos(maxWait), time).gatherer();
  }
}
