package dev.weft.flow;

import dev.weft.observe.Listener;
import dev.weft.task.CancelledException;
import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.TaskContext;
import dev.weft.task.TaskFailedException;
import dev.weft.task.TaskFunction;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A {@code Limiter} admits at most <i>limit</i> concurrent calls; others wait in FIFO order (the
 * p-limit of JavaScript, on blocking code). Thread-safe; share one instance. Memory consistency
 * effects: actions of a call before it releases its permit happen-before the actions of the call
 * that is next admitted with that permit.
 *
 * {@snippet :
 * Limiter limit = Limiter.of(10);
 * List<Body> bodies = limit.map(urls, url -> http.get(url)); // 10 at a time, results in order
 * Body one = limit.call(() -> http.get(url));
 * }
 *
 * <p>The limit can change at run time ({@link #setLimit(int)}): raising it admits waiters at once,
 * lowering it lets running calls finish and admits no one until fewer than the new limit run.
 * Waiting callers are admitted strictly in arrival order; a caller that gives up (timeout,
 * interrupt, {@link #clearPending()}) leaves the queue without taking or losing a permit, even when
 * a permit was handed to it at the very moment it gave up.
 *
 * <p>For weighted permits, leak tracking and {@code use}, see {@link Permits}; for a limit per key,
 * {@link KeyedLimiter}.
 */
public final class Limiter {

  private final Gate gate;

  private Limiter(Builder b) {
    this.gate = new Gate(b.name, b.limit, b.time, b.listener);
  }

  /**
   * {@return a limiter admitting at most {@code limit} calls at once, on the system clock}
   *
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public static Limiter of(int limit) {
    return builder().limit(limit).build();
  }

  /** {@return a builder; the default limit is 1, the name "limiter"} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code task} once a permit is free, waiting in FIFO order for it, and releases the permit
   * when the task returns or throws.
   *
   * <p>Returns what the task returns; throws what the task throws, unchanged; throws {@link
   * InterruptedException} (flag cleared, task not run) if interrupted while waiting; throws {@link
   * LimiterClearedException} (task not run) if {@link #clearPending()} sent it away. An interrupt
   * while the task runs is the task's business.
   *
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the task's result
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting for a permit
   */
  public <T extends @Nullable Object, X extends Exception> T call(ThrowingCallable<T, X> task)
      throws X, InterruptedException {
    return gate.call(1, task);
  }

  /**
   * Runs {@code task} if a permit comes free within {@code timeout}.
   *
   * <p>Returns the task's result (empty when it returned {@code null}); returns empty without
   * running the task when the timeout passes first (a zero or negative timeout only takes a free
   * permit); throws what the task throws; throws {@link InterruptedException} (flag cleared, task
   * not run) on interrupt while waiting, and {@link LimiterClearedException} if cleared.
   *
   * @param timeout how long to wait for a permit
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the result, or empty when no permit came in time
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting for a permit
   */
  public <T, X extends Exception> Optional<T> tryCall(
      Duration timeout, ThrowingCallable<? extends @Nullable T, X> task)
      throws X, InterruptedException {
    return gate.tryCall(1, timeout, task);
  }

  /**
   * Applies {@code fn} to every item, at most {@link #limit()} at once (shared with every other
   * caller of this limiter), each in a fork of one fail-fast {@link Scope}, and returns the results
   * in the order of the items. The caller waits for each item's permit, in FIFO order with every
   * other caller, before forking it; the fork gives the permit back when {@code fn} returns.
   *
   * <p>Structured, with the guarantees of every weft fan-out ({@code docs/tasks.md}): each call of
   * {@code fn} runs with the caller's {@link TaskContext} (deadline, cancellation) and propagated
   * context, and when this method returns or throws every call it started has finished. Returns the
   * results. Throws, after cancelling and joining the calls still running, what {@link
   * Scope#join()} throws: the first failure of {@code fn} (unchecked unchanged, checked wrapped
   * once in {@link TaskFailedException} naming the item's index, later failures suppressed), {@link
   * CancelledException} if the enclosing task is cancelled or the caller is interrupted (the
   * interrupt status is set again), and {@link LimiterClearedException} if {@link #clearPending()}
   * sent the caller away while it waited to admit the next item. Do not call it from inside a call
   * of the same limiter with a limit of 1: the outer call holds the only permit.
   *
   * @param items the inputs
   * @param fn the function
   * @param <T> the input type
   * @param <R> the result type
   * @return the results, in the order of {@code items}
   */
  public <T extends @Nullable Object, R extends @Nullable Object> List<R> map(
      Collection<? extends T> items, TaskFunction<? super T, ? extends R> fn) {
    Objects.requireNonNull(fn, "fn");
    List<? extends T> inputs = List.copyOf(items);
    // set by a failing call before it gives its permit back, so that the caller, which may get
    // that very permit before the scope has seen the failure, admits no further item
    AtomicBoolean failed = new AtomicBoolean();
    try (Scope scope = Scope.builder().name("Limiter.map '" + gate.name + "'").open()) {
      for (T input : inputs) {
        try {
          gate.acquire(1, null);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // close() cancels and joins what runs, and keeps it
          throw new CancelledException(
              "Limiter.map '" + gate.name + "' was interrupted while waiting for a permit", e);
        }
        if (failed.get() || scope.isCancelled()) {
          gate.release(1);
          break; // a fork failed or the enclosing task was cancelled: join() throws why
        }
        scope.fork(() -> {
          try {
            return fn.apply(input);
          } catch (Throwable t) {
            failed.set(true);
            throw t;
          } finally {
            gate.release(1);
          }
        });
      }
      scope.join();
      List<Fork<?>> forks = scope.forks();
      Object[] results = new Object[forks.size()];
      for (int i = 0; i < results.length; i++) {
        results[i] = forks.get(i).get();
      }
      @SuppressWarnings("unchecked")
      List<R> list = (List<R>) Collections.unmodifiableList(Arrays.asList(results));
      return list;
    }
  }

  /**
   * Waits in FIFO order for a permit and returns it; close it to release.
   *
   * <p>Returns the permit; throws {@link InterruptedException} (flag cleared, nothing held) on
   * interrupt and {@link LimiterClearedException} if cleared.
   *
   * @return the permit
   * @throws InterruptedException if interrupted while waiting
   */
  public Permit acquire() throws InterruptedException {
    gate.acquire(1, null);
    return new Gate.Held(gate, 1);
  }

  /** {@return a permit if one is free and nobody waits, else empty; never blocks} */
  public Optional<Permit> tryAcquire() {
    return gate.tryAcquire(1) ? Optional.of(new Gate.Held(gate, 1)) : Optional.empty();
  }

  /**
   * Waits up to {@code timeout} in FIFO order for a permit.
   *
   * <p>Returns the permit when granted; returns empty when the timeout passes first (a permit
   * granted at that very moment is passed to the next waiter, not lost); throws {@link
   * InterruptedException} (flag cleared, nothing held) on interrupt and {@link
   * LimiterClearedException} if cleared.
   *
   * @param timeout how long to wait; zero or negative only takes a free permit
   * @return the permit, or empty on timeout
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<Permit> tryAcquire(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    return gate.acquire(1, timeout) == Gate.Outcome.ACQUIRED
        ? Optional.of(new Gate.Held(gate, 1))
        : Optional.empty();
  }

  /** {@return how many calls hold a permit right now (a snapshot)} */
  public int activeCount() {
    return gate.inUse();
  }

  /** {@return how many callers wait for a permit right now (a snapshot)} */
  public int pendingCount() {
    return gate.queued();
  }

  /**
   * Sends every waiting caller away: each throws {@link LimiterClearedException} without running.
   * Running calls are not affected. Never blocks.
   *
   * @return how many callers were waiting
   */
  public int clearPending() {
    int n = gate.clear();
    if (n > 0 && !gate.listener.isNone()) {
      Listener.emit(gate.listener, new FlowEvent.PendingCleared(gate.name, n));
    }
    return n;
  }

  /** {@return the current limit} */
  public int limit() {
    return gate.limitLocked();
  }

  /**
   * Changes the limit. Raising it admits waiters at once; lowering it admits no one until fewer
   * calls than the new limit run (running calls are never interrupted). Zero pauses admission.
   *
   * @param limit the new limit, {@code >= 0}
   * @throws IllegalArgumentException if {@code limit < 0}
   */
  public void setLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, was " + limit);
    }
    int old = gate.setLimit(limit);
    if (old != limit && !gate.listener.isNone()) {
      Listener.emit(gate.listener, new FlowEvent.LimitChanged(gate.name, old, limit));
    }
  }

  /** {@return this limiter's name} */
  public String name() {
    return gate.name;
  }

  @Override
  public String toString() {
    return "Limiter['"
        + gate.name
        + "', limit "
        + gate.limit()
        + ", "
        + gate.queued()
        + " waiting]";
  }

  /** The test hook of the underlying gate (package-private, for the give-up race test). */
  Gate gate() {
    return gate;
  }

  /**
   * Builds a {@link Limiter}; each setter validates at once. Not thread-safe; build once.
   *
   * {@snippet :
   * Limiter limit = Limiter.builder().name("crawler").limit(8).build();
   * }
   */
  public static final class Builder extends FlowBuilder<Builder> {
    private int limit = 1;

    private Builder() {
      super("limiter");
    }

    /**
     * Sets how many calls may run at once.
     *
     * @param limit the limit, {@code >= 1}
     * @return this builder
     */
    public Builder limit(int limit) {
      this.limit = atLeastOne("limit", limit);
      return this;
    }

    /** {@return the limiter} */
    public Limiter build() {
      return new Limiter(this);
    }
  }
}
