package dev.weft.stream;

import dev.weft.task.TaskFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A two-stage pipeline for mixed work: an I/O stage on virtual threads feeding a CPU stage on
 * weft's platform pool (see {@link Parallel}) through a bounded hand-off, so downloads overlap with
 * parsing and neither stage waits for the other to finish everything.
 *
 * {@snippet :
 * List<Report> reports = Pipeline.ioThenCpu(urls, 64, url -> http.get(url), body -> parse(body));
 * }
 *
 * <p>Semantics: at most {@code ioConcurrency} I/O calls run at once; each I/O result goes to the
 * CPU stage as soon as it arrives (not in input order, so one slow download holds back nothing
 * else), where at most two elements per core are in flight; when the I/O stage is ahead, it waits:
 * the memory held is bounded by the two limits. Results come back in input order. Each stage forks
 * its calls through a fail-fast {@link dev.weft.task.Scope} owned by the calling thread (the CPU
 * stage's runs them on the pool), so every call sees the caller's {@link dev.weft.task.TaskContext}
 * (deadline, cancellation token) and propagated context. The first failure in either stage cancels
 * everything still running (token and interrupt) and is thrown once all has stopped, as {@link
 * dev.weft.task.Scope#join()} throws it: unchecked unchanged, checked in an {@link
 * dev.weft.task.TaskFailedException} naming the input's position. Cancelling the enclosing task or
 * interrupting the caller stops both stages the same way and throws {@link
 * dev.weft.task.CancelledException}. For a lazy stream instead of a list, compose the gatherers:
 * {@code stream.gather(Gather.mapConcurrent(64, io)).gather(Gather.mapOnCpu(cpu))}.
 *
 * <p>Thread-safe and stateless.
 */
public final class Pipeline {

  private Pipeline() {}

  private record Tagged<V>(int index, V value) {}

  /**
   * Runs {@code io} then {@code cpu} on every input and returns the results in input order. Blocks
   * until done, failed or interrupted, as the class description says.
   *
   * @param inputs the inputs
   * @param ioConcurrency the most I/O calls at once, {@code >= 1}
   * @param io the blocking I/O step
   * @param cpu the CPU-bound step applied to each I/O result
   * @return the results; unmodifiable
   * @throws IllegalArgumentException if {@code ioConcurrency < 1}
   */
  public static <T, M, R> List<R> ioThenCpu(
      Collection<? extends T> inputs,
      int ioConcurrency,
      TaskFunction<? super T, ? extends M> io,
      TaskFunction<? super M, ? extends R> cpu) {
    Objects.requireNonNull(io, "io");
    Objects.requireNonNull(cpu, "cpu");
    MapSettings ioSettings = MapSettings.limit(ioConcurrency).unordered();
    CpuPool pool = CpuPool.shared();
    MapSettings cpuSettings = MapSettings.limit(2 * pool.threads()).unordered();
    long start = Failures.start();
    Object[] in = inputs.toArray();
    @Nullable Object[] out = new Object[in.length];
    List<Integer> indexes = new ArrayList<>(in.length);
    for (int i = 0; i < in.length; i++) {
      indexes.add(i);
    }
    indexes.stream()
        .gather(
            new ConcurrentMap<Integer, Tagged<M>>(
                    ioSettings,
                    i -> {
                      try {
                        @SuppressWarnings("unchecked")
                        T input = (T) in[i];
                        return new Tagged<M>(i, io.apply(input));
                      } catch (Exception e) {
                        throw Failures.wrap(i, null, start, e);
                      }
                    },
                    "Pipeline.ioThenCpu I/O",
                    null)
                .gatherer())
        .gather(
            new ConcurrentMap<Tagged<M>, Tagged<R>>(
                    cpuSettings,
                    t -> {
                      try {
                        return new Tagged<R>(t.index(), cpu.apply(t.value()));
                      } catch (Exception e) {
                        throw Failures.wrap(t.index(), null, start, e);
                      }
                    },
                    "Pipeline.ioThenCpu CPU",
                    pool.executor())
                .gatherer())
        .forEach(t -> out[t.index()] = t.value());
    @SuppressWarnings("unchecked")
    List<R> results = (List<R>) Collections.unmodifiableList(Arrays.asList(out));
    return results;
  }
}
