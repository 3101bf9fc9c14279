package dev.weft.stream;

import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.task.TaskContext;
import dev.weft.task.TaskFunction;
import dev.weft.time.TimeSource;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.stream.Gatherer;
import org.jspecify.annotations.Nullable;

/**
 * The gatherer behind {@link Gather#mapOnCpu}: maps elements on the CPU pool in chunks whose size
 * adapts to the cost of one element, and pushes the results downstream in input order.
 *
 * <p>Overview for maintainers. The stream's thread collects elements into a {@link Chunk}; when it
 * holds {@code chunkSize} elements it becomes one fork of the stage's scope, which runs it on the
 * pool, so a tiny element costs an array store instead of a hand-off between threads. Each chunk
 * measures how long its elements took; from that the stream's thread sets the next chunk size so
 * that a chunk takes about {@link #TARGET_NANOS}, growing at most fourfold per finished chunk (one
 * slow first element must not make it jump) and shrinking at once, between 1 and {@link
 * #MAX_CHUNK}. Coarse elements (a parse, a hash of kilobytes) thus go one per fork; tiny ones in
 * thousands. At most {@code limit} chunks run and at most {@code 2 * limit} are started and not yet
 * emitted, so memory is bounded by {@code 2 * limit * MAX_CHUNK} elements.
 *
 * <p>The scope, its completion queue and every way out are {@link InFlight}'s, as for {@link
 * ConcurrentMap}. The first element that throws fails its fork, and the scope cancels the other
 * chunks, which stop between elements (CPU work is not interrupted mid-element); a chunk that did
 * not map all its elements counts as failed, so its inputs are never emitted. The cost of batching
 * is latency: an element waits in the open chunk until it fills or the stream ends.
 */
final class CpuMap<T, R> {

  /** About how long one chunk should run. */
  static final long TARGET_NANOS = 200_000;

  /** The most elements in one chunk. */
  static final int MAX_CHUNK = 1 << 14;

  private static final TimeSource TIME = TimeSource.system();

  private final TaskFunction<? super T, ? extends R> fn;
  private final Executor executor;
  private final int limit;

  CpuMap(TaskFunction<? super T, ? extends R> fn, Executor executor, int limit) {
    this.fn = Objects.requireNonNull(fn, "fn");
    this.executor = executor;
    this.limit = limit;
  }

  Gatherer<T, ?, R> gatherer() {
    return Gatherer.<T, State, R>ofSequential(
        State::new,
        Gatherer.Integrator.<State, T, R>of(
            (state, element, downstream) -> state.integrate(element, downstream)),
        State::finish);
  }

  private final class Chunk implements InFlight.Unit {
    final long first;
    final @Nullable Object[] items;
    final State state;
    int size;
    boolean failed;
    long nanos;
    boolean ready; // stream thread only

    Chunk(long first, int capacity, State state) {
      this.first = first;
      this.items = new Object[capacity];
      this.state = state;
    }

    @Override
    public @Nullable Void call() {
      CancellationToken token = TaskContext.token();
      long start = TIME.read();
      int i = 0;
      try {
        for (; i < size; i++) {
          if (token.isCancelled()) {
            throw new CancelledException(
                "Gather.mapOnCpu stopped between elements, before element #" + (first + i));
          }
          items[i] = fn.apply(input(i)); // the result replaces its input
        }
        return null;
      } catch (Exception e) {
        failed = true;
        throw Failures.wrap(first + i, null, state.start, e);
      } catch (Throwable t) {
        failed = true;
        throw t;
      } finally {
        nanos = TIME.read() - start;
        state.finished(this);
      }
    }

    @SuppressWarnings({"unchecked", "NullAway"}) // a stream element, stored as it came
    private T input(int i) {
      return (T) items[i];
    }

    @Override
    public boolean failed() {
      return failed;
    }
  }

  private final class State extends InFlight<Chunk> {
    long next;
    int chunkSize = 1;
    @Nullable Chunk open;

    State() {
      super("Gather.mapOnCpu", executor);
    }

    boolean integrate(T element, Gatherer.Downstream<? super R> downstream) {
      try {
        throwIfCancelled();
        Chunk c = open;
        if (c == null) {
          c = new Chunk(next, chunkSize, this);
          open = c;
        }
        c.items[c.size++] = element;
        next++;
        if (c.size == c.items.length) {
          open = null;
          if (!launch(c, downstream)) {
            end();
            return false;
          }
        }
        if (downstream.isRejecting()) {
          end();
          return false;
        }
        return true;
      } catch (Throwable t) {
        end();
        throw t;
      }
    }

    void finish(Gatherer.Downstream<? super R> downstream) {
      try {
        Chunk c = open;
        open = null;
        if (c != null && !launch(c, downstream)) {
          end();
          return;
        }
        while (running > 0) {
          if (!accept(take(), downstream)) {
            end();
            return;
          }
        }
        joinAndEnd();
      } catch (Throwable t) {
        end();
        throw t;
      }
    }

    /**
     * Forks {@code c} once there is room, emitting what is ready; false when downstream is done.
     */
    private boolean launch(Chunk c, Gatherer.Downstream<? super R> downstream) {
      while (running >= limit || window.size() >= 2 * limit) {
        if (!accept(take(), downstream)) {
          return false;
        }
      }
      window.addLast(c);
      fork(c);
      for (Chunk d; (d = poll()) != null; ) {
        if (!accept(d, downstream)) {
          return false;
        }
      }
      return true;
    }

    /** Adapts the chunk size, then emits the chunks now ready in order; false when done. */
    private boolean accept(Chunk c, Gatherer.Downstream<? super R> downstream) {
      long perTarget = c.nanos <= 0 ? Long.MAX_VALUE : TARGET_NANOS * c.size / c.nanos;
      long grown = Math.min(perTarget, 4L * chunkSize);
      chunkSize = (int) Math.max(1, Math.min(MAX_CHUNK, grown));
      c.ready = true;
      for (Chunk head; (head = window.peekFirst()) != null && head.ready; ) {
        window.pollFirst();
        for (int i = 0; i < head.size; i++) {
          @SuppressWarnings({"unchecked", "NullAway"}) // the function's own, possibly null, result
          R v = (R) head.items[i];
          head.items[i] = null;
          if (!downstream.push(v)) {
            return false;
          }
        }
      }
      return true;
    }

    @Override
    void ended() {
      open = null;
    }
  }
}
