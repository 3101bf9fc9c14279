package dev.weft.flow;

import dev.weft.observe.Listener;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The key-to-limiter map behind {@link KeyedLimiter} and {@link KeyedRateLimiter}, which drops idle
 * limiters so that a million distinct keys do not stay in memory. Thread-safe.
 *
 * <p>Overview for maintainers. A limiter is idle when dropping it changes nothing a caller can
 * observe (a concurrency gate with no holder and no waiter; a rate limiter whose bucket is full and
 * which nobody waits on). Eviction first <em>retires</em> the limiter with a CAS that succeeds only
 * while it is idle; a retired limiter admits no one, so a caller that fetched it just before
 * retirement sees "retired", removes it and fetches a fresh one: no admission ever happens on a
 * dropped limiter. Sweeps are amortized: one runs (by the thread that inserts a key, never two at
 * once) when the map reaches {@code sweepAt}, which is then set to twice the surviving size (at
 * least {@value #MIN_SWEEP}); so the map holds at most about twice the busy keys, and each
 * insertion pays O(1) on average.
 */
final class KeyedMap<K, V> {

  static final int MIN_SWEEP = 1024;

  private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();
  private final Function<? super K, ? extends V> factory;
  private final Predicate<V> retireIfIdle;
  private final String name;
  private final Listener listener;
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private volatile int sweepAt = MIN_SWEEP;

  KeyedMap(
      String name,
      Listener listener,
      Function<? super K, ? extends V> factory,
      Predicate<V> retireIfIdle) {
    this.name = name;
    this.listener = listener;
    this.factory = factory;
    this.retireIfIdle = retireIfIdle;
  }

  V get(K key) {
    Objects.requireNonNull(key, "key");
    V v = map.get(key);
    if (v != null) {
      return v;
    }
    v =
        map.computeIfAbsent(
            key,
            k ->
                Objects.requireNonNull(
                    factory.apply(k),
                    () -> "the factory of '" + name + "' returned null for " + k));
    if (map.size() >= sweepAt) {
      sweep();
    }
    return v;
  }

  @Nullable V peek(K key) {
    return map.get(key);
  }

  /** Drops {@code v}, found retired, so that the next {@link #get} makes a fresh one. */
  void dropRetired(K key, V v) {
    map.remove(key, v);
  }

  int size() {
    return map.size();
  }

  int evictIdle() {
    int evicted = 0;
    for (var e : map.entrySet()) {
      V v = e.getValue();
      if (retireIfIdle.test(v) && map.remove(e.getKey(), v)) {
        evicted++;
      }
    }
    if (evicted > 0 && !listener.isNone()) {
      Listener.emit(listener, new FlowEvent.KeysEvicted(name, evicted, map.size()));
    }
    return evicted;
  }

  private void sweep() {
    if (sweeping.compareAndSet(false, true)) {
      try {
        evictIdle();
        sweepAt = Math.max(MIN_SWEEP, 2 * map.size());
      } finally {
        sweeping.set(false);
      }
    }
  }
}
