package dev.weft.stream;

import dev.weft.task.TaskFunction;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.stream.Gatherer;
import org.jspecify.annotations.Nullable;

/**
 * The gatherer behind {@link Gather#mapConcurrent}: maps each element on its own task, at most
 * {@code limit} at once, and pushes results downstream in input order or as they complete.
 *
 * <p>Overview for maintainers. Everything but two fields belongs to the stream's thread (the one
 * calling the integrator and finisher): the {@code window} of started, not yet emitted slots
 * (ordered form) and the {@code running} count. Workers touch only their own {@link Slot}, the
 * {@code live} set (to cancel one another on a failure) and the {@code done} queue, into which each
 * worker puts its slot exactly once, whether it ran, failed or was cancelled before it started.
 *
 * <p>Invariants: {@code running} = slots launched and not yet taken from {@code done}, {@code <=
 * limit}; ordered, {@code window.size() <= settings.window()}, so memory is bounded whatever a slow
 * head element does; unordered, {@code done} holds at most {@code limit} slots. The stream's thread
 * blocks only in {@code done.take()} and every way out of the gatherer (finish, short-circuit,
 * failure, an exception thrown downstream, interrupt) first cancels what runs and waits until
 * {@code running == 0}: nothing outlives the stage.
 *
 * <p>Fail-fast: the first worker whose function throws records itself in {@code failure} and
 * interrupts every other live slot at once, from its own thread, so the siblings stop even while
 * the stream's thread is busy elsewhere; the stream's thread throws at its next step. A slot's
 * {@code thread} is read and written under the slot's monitor, and cleared before the worker
 * returns, so a cancel never interrupts a pool thread that has moved on to other work.
 */
final class ConcurrentMap<T, R> {

  private final MapSettings settings;
  private final TaskFunction<? super T, ? extends R> fn;
  private final Executor executor;
  private final boolean poolThreads;

  ConcurrentMap(
      MapSettings settings,
      TaskFunction<? super T, ? extends R> fn,
      Executor executor,
      boolean poolThreads) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.fn = Objects.requireNonNull(fn, "fn");
    this.executor = executor;
    this.poolThreads = poolThreads;
  }

  Gatherer<T, ?, R> gatherer() {
    return Gatherer.<T, State, R>ofSequential(
        State::new,
        Gatherer.Integrator.<State, T, R>of(
            (state, element, downstream) -> state.integrate(element, downstream)),
        State::finish);
  }

  private final class Slot implements Runnable, InFlight.Unit {
    final long index;
    final T input;
    final State state;
    @Nullable R value;
    @Nullable Throwable error;
    boolean ready; // stream thread only
    // guarded by this
    @Nullable Thread thread;
    boolean cancelled;

    Slot(long index, T input, State state) {
      this.index = index;
      this.input = input;
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
        try {
          value = fn.apply(input);
        } catch (Throwable t) {
          error = t;
          if (!isCancelled() && state.failure.compareAndSet(null, this)) {
            state.cancelAll();
          }
        } finally {
          synchronized (this) {
            thread = null;
          }
          if (poolThreads) {
            Thread.interrupted(); // a cancel aimed at this slot must not reach the pool's next task
          }
        }
      } finally {
        state.live.remove(this);
        state.done.add(this);
      }
    }

    @Override
    public @Nullable Throwable error() {
      return error;
    }

    @Override
    public long errorIndex() {
      return index;
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

  private final class State extends InFlight<Slot> {
    long next;

    State() {
      super("concurrent map");
    }

    boolean integrate(T element, Gatherer.Downstream<? super R> downstream) {
      try {
        throwIfFailed();
        while (running >= settings.limit()
            || (settings.ordered() && window.size() >= settings.window())) {
          if (!accept(take(), downstream)) {
            return stop();
          }
        }
        Slot slot = new Slot(next++, element, this);
        live.add(slot);
        running++;
        if (settings.ordered()) {
          window.addLast(slot);
        }
        try {
          executor.execute(slot);
        } catch (RuntimeException rejected) {
          live.remove(slot);
          running--;
          window.remove(slot);
          throw rejected;
        }
        for (Slot s; (s = done.poll()) != null; ) {
          running--;
          if (!accept(s, downstream)) {
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

    /** Emits what {@code slot} makes ready; false when downstream wants no more. */
    private boolean accept(Slot slot, Gatherer.Downstream<? super R> downstream) {
      if (slot.error != null) {
        throwIfFailed();
      }
      if (!settings.ordered()) {
        return push(slot, downstream);
      }
      slot.ready = true;
      for (Slot head; (head = window.peekFirst()) != null && head.ready; ) {
        window.pollFirst();
        if (!push(head, downstream)) {
          return false;
        }
      }
      return true;
    }

    private boolean push(Slot slot, Gatherer.Downstream<? super R> downstream) {
      R v = slot.value;
      slot.value = null;
      @SuppressWarnings("NullAway") // the function's own result, which may be null for nullable R
      boolean more = downstream.push(v);
      return more;
    }
  }
}
