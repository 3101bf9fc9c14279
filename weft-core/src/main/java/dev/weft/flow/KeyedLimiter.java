package dev.weft.flow;

import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@code KeyedLimiter} admits at most <i>limit</i> concurrent calls per key (per host, per
 * tenant), each key with its own FIFO queue, and drops the state of keys that nothing holds or
 * waits on, so that any number of distinct keys use memory only while busy. Thread-safe; share one
 * instance. Memory consistency effects as for {@link Limiter}, per key.
 *
 * {@snippet :
 * KeyedLimiter<String> perHost = KeyedLimiter.of(4);
 * Body body = perHost.call(uri.getHost(), () -> http.get(uri));
 * }
 *
 * @param <K> the key type; keys need proper {@code equals} and {@code hashCode}
 */
public final class KeyedLimiter<K> {

  private final String name;
  private final int limit;
  private final KeyedMap<K, Gate> gates;

  private KeyedLimiter(Builder b) {
    this.name = b.name;
    this.limit = b.limit;
    TimeSource time = b.time;
    Listener listener = b.listener;
    this.gates =
        new KeyedMap<>(
            b.name,
            listener,
            key -> new Gate(b.name + "[" + key + "]", limit, time, listener),
            Gate::retireIfIdle);
  }

  /**
   * {@return a keyed limiter of {@code limit} concurrent calls per key}
   *
   * @param limit the limit per key, {@code >= 1}
   * @param <K> the key type
   */
  public static <K> KeyedLimiter<K> of(int limit) {
    return new Builder().limit(limit).build();
  }

  /** {@return a builder; default limit 1 per key, name "keyed-limiter"} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code task} under one of {@code key}'s permits, waiting in FIFO order for it; see {@link
   * Limiter#call(ThrowingCallable)} for how it returns.
   *
   * @param key the key
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the task's result
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting (task not run)
   */
  public <T extends @Nullable Object, X extends Exception> T call(
      K key, ThrowingCallable<T, X> task) throws X, InterruptedException {
    Objects.requireNonNull(task, "task");
    Gate g = Objects.requireNonNull(acquireGate(key, null)); // no timeout: never null
    return g.runHolding(1, task);
  }

  /**
   * Runs {@code task} if one of {@code key}'s permits comes within {@code timeout}; see {@link
   * Limiter#tryCall(Duration, ThrowingCallable)}.
   *
   * @param key the key
   * @param timeout how long to wait
   * @param task the work
   * @param <T> the result type
   * @param <X> what the task may throw
   * @return the result, or empty when no permit came in time
   * @throws X when the task fails
   * @throws InterruptedException if interrupted while waiting (task not run)
   */
  public <T, X extends Exception> Optional<T> tryCall(
      K key, Duration timeout, ThrowingCallable<? extends @Nullable T, X> task)
      throws X, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(task, "task");
    Gate g = acquireGate(key, timeout);
    return g == null ? Optional.empty() : Optional.ofNullable(g.runHolding(1, task));
  }

  /**
   * Waits in FIFO order for one of {@code key}'s permits.
   *
   * @param key the key
   * @return the permit; close it to release
   * @throws InterruptedException if interrupted while waiting (nothing held)
   */
  public Permit acquire(K key) throws InterruptedException {
    return new Gate.Held(Objects.requireNonNull(acquireGate(key, null)), 1);
  }

  /**
   * Waits up to {@code timeout} for one of {@code key}'s permits; see {@link
   * Limiter#tryAcquire(Duration)}.
   *
   * @param key the key
   * @param timeout how long to wait
   * @return the permit, or empty on timeout
   * @throws InterruptedException if interrupted while waiting (nothing held)
   */
  public Optional<Permit> tryAcquire(K key, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    Gate g = acquireGate(key, timeout);
    return g == null ? Optional.empty() : Optional.of(new Gate.Held(g, 1));
  }

  /**
   * {@return one of {@code key}'s permits if free and nobody waits, else empty; never blocks}
   *
   * @param key the key
   */
  public Optional<Permit> tryAcquire(K key) {
    while (true) {
      Gate g = gates.get(key);
      if (g.tryAcquire(1)) {
        return Optional.of(new Gate.Held(g, 1));
      }
      if (!g.isRetired()) {
        return Optional.empty();
      }
      gates.dropRetired(key, g);
    }
  }

  private @Nullable Gate acquireGate(K key, @Nullable Duration timeout)
      throws InterruptedException {
    while (true) {
      Gate g = gates.get(key);
      switch (g.acquire(1, timeout)) {
        case ACQUIRED -> {
          return g;
        }
        case TIMED_OUT -> {
          return null;
        }
        case RETIRED -> gates.dropRetired(key, g);
      }
    }
  }

  /**
   * {@return how many calls hold a permit of {@code key} right now (a snapshot)}
   *
   * @param key the key
   */
  public int activeCount(K key) {
    Gate g = gates.peek(key);
    return g == null ? 0 : g.inUse();
  }

  /** {@return how many keys have state right now} */
  public int size() {
    return gates.size();
  }

  /**
   * Drops the state of every idle key now (this also happens on its own as keys are added).
   *
   * @return how many keys were dropped
   */
  public int evictIdle() {
    return gates.evictIdle();
  }

  /** {@return the limit per key} */
  public int limit() {
    return limit;
  }

  @Override
  public String toString() {
    return "KeyedLimiter['" + name + "', " + limit + " per key, " + gates.size() + " keys]";
  }

  /** Builds a {@link KeyedLimiter}; setters validate at once. Not thread-safe. */
  public static final class Builder extends FlowBuilder<Builder> {
    private int limit = 1;

    private Builder() {
      super("keyed-limiter");
    }

    /**
     * Sets the limit per key.
     *
     * @param limit the limit, {@code >= 1}
     * @return this builder
     */
    public Builder limit(int limit) {
      this.limit = atLeastOne("limit", limit);
      return this;
    }

    /**
     * {@return the keyed limiter}
     *
     * @param <K> the key type
     */
    public <K> KeyedLimiter<K> build() {
      return new KeyedLimiter<>(this);
    }
  }
}
