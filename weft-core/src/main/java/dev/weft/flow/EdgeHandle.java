package dev.weft.flow;

import java.util.Objects;

/**
 * What {@link Debouncer} and {@link Throttler} do with their engine: every operation on the one
 * key. Thread-safe.
 *
 * @param <T> the argument type
 */
abstract sealed class EdgeHandle<T> implements AutoCloseable permits Debouncer, Throttler {

  private static final String KEY = "";

  final Edges<String, T> edges;

  EdgeHandle(Edges<String, T> edges) {
    this.edges = edges;
  }

  /**
   * Records a call with {@code arg}; when it is a leading edge, a run starts at once on the run
   * thread.
   *
   * <p>Returns at once, never waiting for the action; throws {@link IllegalStateException} after
   * {@link #close()}.
   *
   * @param arg the argument the next run gets unless a later call replaces it
   */
  public final void call(T arg) {
    edges.call(KEY, Objects.requireNonNull(arg, "arg"));
  }

  /**
   * Runs a pending trailing call now instead of when its timer fires, and waits until it has run.
   *
   * <p>Returns {@code true} once the action has run (what it threw is logged, as for any run);
   * returns {@code false} at once when no trailing call is pending, or when {@link #close()} came
   * first; throws {@link InterruptedException} if interrupted while waiting (the run still
   * happens).
   *
   * @return whether the action ran
   * @throws InterruptedException if interrupted while waiting for the run
   */
  public final boolean flush() throws InterruptedException {
    return edges.flush(KEY);
  }

  /** Forgets a pending trailing call and resets the state, as if no call had been made. */
  public final void cancel() {
    edges.cancel(KEY);
  }

  /** {@return whether a timer is set (lodash's {@code pending()})} */
  public final boolean isPending() {
    return edges.isPending(KEY);
  }

  /**
   * Forgets pending calls, waits for a run in progress on another thread to return, and stops the
   * timer and run threads; afterwards nothing runs. Idempotent; an interrupt while waiting is kept
   * and re-asserted.
   */
  @Override
  public final void close() {
    edges.close();
  }

  /** The engine, for tests that wait for the timer thread to settle. */
  final Edges<String, T> edges() {
    return edges;
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "['" + edges.name + "']";
  }
}
