package dev.weft.stream;

import dev.weft.task.TaskFunction;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.stream.Gatherer;
import org.jspecify.annotations.Nullable;

/**
 * The gatherer behind {@link Gather#mapConcurrent}: maps each element in its own fork of one
 * fail-fast scope, at most {@code limit} at once, and pushes results downstream in input order or
 * as they complete.
 *
 * <p>Overview for maintainers. The scope and its completion queue are {@link InFlight}'s; this
 * class is the policy. Everything belongs to the stream's thread (the one calling the integrator
 * and finisher) but a {@link Slot}'s {@code value} and {@code failed}, which its fork writes before
 * handing the slot back. Invariants: {@code running} = slots forked and not yet taken back, {@code
 * <= limit}; ordered, {@code window.size() <= settings.window()}, so memory is bounded whatever a
 * slow head element does; unordered, the completion queue holds at most {@code limit} slots. Every
 * way out of the gatherer (finish, short-circuit, failure, an exception thrown downstream,
 * interrupt) ends the stage, which closes the scope: nothing outlives it.
 *
 * <p>Fail-fast is the scope's: the first fork whose function throws cancels its siblings at once,
 * from its own thread, so they stop even while the stream's thread is busy elsewhere; the stream's
 * thread throws what the scope's {@code join()} throws at its next step. A checked exception is
 * wrapped here, in the fork, so that the {@code TaskFailedException} names the element's position
 * in the stream rather than the fork's in the scope.
 */
final class ConcurrentMap<T, R> {

  private final MapSettings settings;
  private final TaskFunction<? super T, ? extends R> fn;
  private final String name;
  private final @Nullable Executor executor;

  ConcurrentMap(
      MapSettings settings,
      TaskFunction<? super T, ? extends R> fn,
      String name,
      @Nullable Executor executor) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.fn = Objects.requireNonNull(fn, "fn");
    this.name = name;
    this.executor = executor;
  }

  Gatherer<T, ?, R> gatherer() {
    return Gatherer.<T, State, R>ofSequential(
        State::new,
        Gatherer.Integrator.<State, T, R>of(
            (state, element, downstream) -> state.integrate(element, downstream)),
        State::finish);
  }

  private final class Slot implements InFlight.Unit {
    final long index;
    final State state;
    @Nullable T input;
    @Nullable R value;
    boolean failed;
    boolean ready; // stream thread only

    Slot(long index, T input, State state) {
      this.index = index;
      this.input = input;
      this.state = state;
    }

    @Override
    @SuppressWarnings("NullAway") // the stream's own element, which may be null for nullable T
    public @Nullable Void call() {
      try {
        T in = input;
        input = null;
        value = fn.apply(in);
        return null;
      } catch (Exception e) {
        failed = true;
        throw Failures.wrap(index, null, state.start, e);
      } catch (Throwable t) {
        failed = true;
        throw t;
      } finally {
        state.finished(this);
      }
    }

    @Override
    public boolean failed() {
      return failed;
    }
  }

  private final class State extends InFlight<Slot> {
    long next;

    State() {
      super(name, executor);
    }

    boolean integrate(T element, Gatherer.Downstream<? super R> downstream) {
      try {
        while (running >= settings.limit()
            || (settings.ordered() && window.size() >= settings.window())) {
          if (!accept(take(), downstream)) {
            end();
            return false;
          }
        }
        Slot slot = new Slot(next++, element, this);
        if (settings.ordered()) {
          window.addLast(slot);
        }
        fork(slot);
        for (Slot s; (s = poll()) != null; ) {
          if (!accept(s, downstream)) {
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

    /** Emits what {@code slot} makes ready; false when downstream wants no more. */
    private boolean accept(Slot slot, Gatherer.Downstream<? super R> downstream) {
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
