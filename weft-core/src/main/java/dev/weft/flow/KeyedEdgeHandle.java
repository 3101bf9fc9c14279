package dev.weft.flow;

import java.util.Objects;

/**
 * What {@link KeyedDebouncer} and {@link KeyedThrottler} do with their engine: each operation on
 * one key's independent state. Thread-safe.
 *
 * @param <K> the key type
 * @param <T> the argument type
 */
abstract sealed class KeyedEdgeHandle<K, T> implements AutoCloseable
    permits KeyedDebouncer, KeyedThrottler {

  final Edges<K, T> edges;

  KeyedEdgeHandle(Edges<K, T> edges) {
    this.edges = edges;
  }

  /**
   * Records a call for {@code key}; when it is the key's leading edge, a run starts at once on the
   * key's run thread. Returns at once; throws {@link IllegalStateException} after {@link #close()}.
   *
   * @param key the key
   * @param arg the argument the key's next run gets unless a later call replaces it
   */
  public final void call(K key, T arg) {
    edges.call(key, Objects.requireNonNull(arg, "arg"));
  }

  /**
   * Runs {@code key}'s pending trailing call now and waits until it has run; returns as {@link
   * Debouncer#flush()} does.
   *
   * @param key the key
   * @return whether the action ran
   * @throws InterruptedException if interrupted while waiting for the run (it still happens)
   */
  public final boolean flush(K key) throws InterruptedException {
    return edges.flush(key);
  }

  /**
   * Forgets {@code key}'s pending call and state.
   *
   * @param key the key
   */
  public final void cancel(K key) {
    edges.cancel(key);
  }

  /**
   * {@return whether {@code key} has a timer set}
   *
   * @param key the key
   */
  public final boolean isPending(K key) {
    return edges.isPending(key);
  }

  /** {@return how many keys have state right now} */
  public final int size() {
    return edges.keys();
  }

  /**
   * Forgets every pending call, waits for the runs in progress on other threads, and stops the
   * timer and run threads; afterwards nothing runs. Idempotent; an interrupt while waiting is
   * re-asserted.
   */
  @Override
  public final void close() {
    edges.close();
  }

  /** The engine, for tests that wait for the timer thread to settle. */
  final Edges<K, T> edges() {
    return edges;
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "['" + edges.name + "']";
  }
}
