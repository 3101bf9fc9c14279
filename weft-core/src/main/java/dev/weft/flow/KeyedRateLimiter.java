package dev.weft.flow;

import dev.weft.observe.Listener;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@code KeyedRateLimiter} keeps one {@link RateLimiter} per key (host, tenant, user) and drops
 * those that are idle, so that any number of distinct keys use memory only while they are busy.
 * Thread-safe; share one instance. Each key behaves exactly like its own {@code RateLimiter} (same
 * window bound, FIFO waiting): a limiter is dropped only when its bucket is full and nobody waits
 * on it, which is the state a fresh one starts in.
 *
 * {@snippet :
 * KeyedRateLimiter<String> perHost = KeyedRateLimiter.of(host -> RateLimiter.perSecond(5).withBurst(5));
 * perHost.acquire(uri.getHost());
 * }
 *
 * <p>The factory must return a new limiter on every call (never a shared one); it runs inside the
 * map's update for the key, so it must be quick and must not use this keyed limiter.
 *
 * @param <K> the key type; keys need proper {@code equals} and {@code hashCode}
 */
public final class KeyedRateLimiter<K> {

  private final KeyedMap<K, RateLimiter> limiters;

  private KeyedRateLimiter(
      String name, Listener listener, Function<? super K, RateLimiter> factory) {
    this.limiters = new KeyedMap<>(name, listener, factory, RateLimiter::retireIfIdle);
  }

  /**
   * {@return a keyed limiter making each key's limiter with {@code factory}}
   *
   * @param factory makes a new limiter for a key
   * @param <K> the key type
   */
  public static <K> KeyedRateLimiter<K> of(Function<? super K, RateLimiter> factory) {
    return of("keyed-rate-limiter", Listener.none(), factory);
  }

  /**
   * {@return a named keyed limiter reporting evictions to {@code listener}}
   *
   * @param name the name for messages and events
   * @param listener receives {@link FlowEvent.KeysEvicted}
   * @param factory makes a new limiter for a key
   * @param <K> the key type
   */
  public static <K> KeyedRateLimiter<K> of(
      String name, Listener listener, Function<? super K, RateLimiter> factory) {
    return new KeyedRateLimiter<>(
        Names.check(name),
        Objects.requireNonNull(listener, "listener"),
        Objects.requireNonNull(factory, "factory"));
  }

  /**
   * {@return whether one permit for {@code key} was available now; takes it if so; never blocks}
   *
   * @param key the key
   */
  public boolean tryAcquire(K key) {
    return tryAcquire(key, 1);
  }

  /**
   * Takes {@code permits} for {@code key} if available now and nobody waits; never blocks.
   *
   * @param key the key
   * @param permits how many, {@code 1..burst}
   * @return whether they were taken
   */
  public boolean tryAcquire(K key, int permits) {
    while (true) {
      RateLimiter l = limiters.get(key);
      if (l.tryAcquire(permits)) {
        return true;
      }
      if (!l.isRetired()) {
        return false;
      }
      limiters.dropRetired(key, l);
    }
  }

  /**
   * Waits in FIFO order for one permit for {@code key}; see {@link RateLimiter#acquire(int)}.
   *
   * @param key the key
   * @throws InterruptedException if interrupted while waiting (nothing taken)
   */
  public void acquire(K key) throws InterruptedException {
    acquire(key, 1);
  }

  /**
   * Waits in FIFO order for {@code permits} for {@code key}; see {@link RateLimiter#acquire(int)}.
   *
   * @param key the key
   * @param permits how many
   * @throws InterruptedException if interrupted while waiting (nothing taken)
   */
  public void acquire(K key, int permits) throws InterruptedException {
    while (true) {
      RateLimiter l = limiters.get(key);
      if (l.acquireKeyed(permits, null) != Gate.Outcome.RETIRED) {
        return;
      }
      limiters.dropRetired(key, l);
    }
  }

  /**
   * Waits up to {@code timeout} for one permit for {@code key}; see {@link
   * RateLimiter#tryAcquire(int, Duration)}.
   *
   * @param key the key
   * @param timeout how long to wait
   * @return whether the permit was admitted
   * @throws InterruptedException if interrupted while waiting (nothing taken)
   */
  public boolean tryAcquire(K key, Duration timeout) throws InterruptedException {
    return tryAcquire(key, 1, timeout);
  }

  /**
   * Waits up to {@code timeout} for {@code permits} for {@code key}; see {@link
   * RateLimiter#tryAcquire(int, Duration)}.
   *
   * @param key the key
   * @param permits how many
   * @param timeout how long to wait
   * @return whether the permits were admitted
   * @throws InterruptedException if interrupted while waiting (nothing taken)
   */
  public boolean tryAcquire(K key, int permits, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    while (true) {
      RateLimiter l = limiters.get(key);
      Gate.Outcome o = l.acquireKeyed(permits, timeout);
      if (o != Gate.Outcome.RETIRED) {
        return o == Gate.Outcome.ACQUIRED;
      }
      limiters.dropRetired(key, l);
    }
  }

  /** {@return how many keys have a limiter right now} */
  public int size() {
    return limiters.size();
  }

  /**
   * Drops every idle key's limiter now (this also happens on its own as keys are added).
   *
   * @return how many were dropped
   */
  public int evictIdle() {
    return limiters.evictIdle();
  }
}
