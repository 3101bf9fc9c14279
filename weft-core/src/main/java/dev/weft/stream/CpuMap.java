package dev.weft.stream;

import dev.weft.task.TaskFunction;
import dev.weft.time.TimeSource;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.stream.Gatherer;
import org.jspecify.annotations.Nullable;

/**
 * The gatherer behind {@link Gather#mapOnCpu}: maps elements on the CPU pool in chunks whose size
 * adapts to the cost of one element, and pushes the results downstream in input order.
 *
 * <p>Overview for maintainers. The stream's thread collects elements into a {@link Chunk}; when it
 * holds {@code chunkSize} elements it goes to the pool as one task, so a tiny element costs an
 * array store instead of a hand-off between threads. Each chunk measures how long its elements
 * took; from that the stream's thread sets the next chunk size so that a chunk takes about {@link
 * #TARGET_NANOS}, growing at most fourfold per finished chunk (one slow first element must not make
 * it jump) and shrinking at once, between 1 and {@link #MAX_CHUNK}. Coarse elements (a parse, a
 * hash of kilobytes) thus go one per task, as before; tiny ones in thousands. At most {@code limit}
 * chunks run and at most {@code 2 * limit} are started and not yet emitted, so memory is bounded by
 * {@code 2 * limit * MAX_CHUNK} elements.
 *
 * <p>As in {@link ConcurrentMap}, the stream's thread owns everything but the {@code done} queue,
 * the {@code live} set and {@code failure}; a worker puts its chunk into {@code done} exactly once.
 * The first element that throws records its chunk in {@code failure} and cancels the other live
 * chunks, which stop between elements (CPU work is not interrupted mid-element); every way out of
 * the stage cancels what runs and waits until {@code running == 0}. The cost of batching is
 * latency: an element waits in the open chunk until it fills or the stream ends.
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

  private final class Chunk implements Runnable, InFlight.Unit {
    final long first;
    final @Nullable Object[] items;
    final State state;
    int size;
    @Nullable Throwable error;
    long errorIndex;
    long nanos;
    boolean ready; // stream thread only
    // guarded by this
    @Nullable Thread thread;
    boolean cancelled;

    Chunk(long first, int capacity, State state) {
      this.first = first;
      this.items = new Object[capacity];
      this.state = state;
    }

    @Override
    public void run() {
      try {
        synchronized (this) {
          if (cancelled) {
            error = new CancellationException("cancelled before it started");
            return;
          }
          thread = Thread.currentThread();
        }
        long start = TIME.read();
        int i = 0;
        try {
          for (; i < size; i++) {
            if (state.failure.get() != null || Thread.currentThread().isInterrupted()) {
              error = new CancellationException("cancelled between elements");
              break;
            }
            items[i] = fn.apply(input(i)); // the result replaces its input
          }
        } catch (Throwable t) {
          error = t;
          errorIndex = first + i;
          if (!isCancelled() && state.failure.compareAndSet(null, this)) {
            state.cancelAll();
          }
        } finally {
          nanos = TIME.read() - start;
          synchronized (this) {
            thread = null;
          }
          Thread.interrupted(); // a cancel aimed at this chunk must not reach the pool's next task
        }
      } finally {
        state.live.remove(this);
        state.done.add(this);
      }
    }

    @SuppressWarnings({"unchecked", "NullAway"}) // a stream element, stored as it came
    private T input(int i) {
      return (T) items[i];
    }

    @Override
    public @Nullable Throwable error() {
      return error;
    }

    @Override
    public long errorIndex() {
      return errorIndex;
    }

    synchronized boolean isCancelled() {
      return cancelled;
    }

    @Override
    public synchronized void cancel() {
      cancelled = true;
      if (thread != null) {
        thread.interrupt();
      }
    }
  }

  private final class State extends InFlight<Chunk> {
    long next;
    int chunkSize = 1;
    @Nullable Chunk open;

    State() {
      super("CPU map");
    }

    boolean integrate(T element, Gatherer.Downstream<? super R> downstream) {
      try {
        throwIfFailed();
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
            return stop();
          }
        }
        return !downstream.isRejecting() || stop();
      } catch (Throwable t) {
        abandon();
        throw t;
      }
    }

    void finish(Gatherer.Downstream<? super R> downstream) {
      try {
        Chunk c = open;
        open = null;
        if (c != null && !launch(c, downstream)) {
          stop();
          return;
        }
        while (running > 0) {
          if (!accept(take(), downstream)) {
            stop();
            return;
          }
        }
        throwIfFailed();
      } catch (Throwable t) {
        abandon();
        throw t;
      }
    }

    /**
     * Starts {@code c} once there is room, emitting what is ready; false when downstream is done.
     */
    private boolean launch(Chunk c, Gatherer.Downstream<? super R> downstream) {
      while (running >= limit || window.size() >= 2 * limit) {
        if (!accept(take(), downstream)) {
          return false;
        }
      }
      live.add(c);
      running++;
      window.addLast(c);
      try {
        executor.execute(c);
      } catch (RuntimeException rejected) {
        live.remove(c);
        running--;
        window.remove(c);
        throw rejected;
      }
      for (Chunk d; (d = done.poll()) != null; ) {
        running--;
        if (!accept(d, downstream)) {
          return false;
        }
      }
      return true;
    }

    /** Adapts the chunk size, then emits the chunks now ready in order; false when done. */
    private boolean accept(Chunk c, Gatherer.Downstream<? super R> downstream) {
      Throwable error = c.error;
      if (error != null) {
        throwIfFailed();
        abandon(); // cancelled with no failure recorded: never emit its unmapped inputs
        throw Failures.wrap(c.errorIndex, null, start, error);
      }
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
    void abandoned() {
      open = null;
    }
  }
}
