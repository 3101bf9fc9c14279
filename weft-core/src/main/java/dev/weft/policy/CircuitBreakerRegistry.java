package dev.weft.policy;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Circuit breakers by name, created on first use: one per host, tenant or endpoint. Breakers idle
 * for longer than {@code evictIdleAfter} are dropped, and when more than {@code maxSize} exist the
 * least recently used are dropped; a {@linkplain CircuitBreaker#forceOpen() forced-open} breaker is
 * never dropped. A dropped breaker's calls in flight finish normally; the next call by that name
 * gets a fresh, closed breaker.
 *
 * <p>Thread-safe; share one instance. {@link #get(String)} is a lock-free map read when the breaker
 * exists; creation and eviction take a lock that no call holds while user code runs (except the
 * factory, which must be quick).
 *
 * {@snippet :
 * CircuitBreakerRegistry perHost = CircuitBreakerRegistry.builder(
 *         host -> CircuitBreaker.builder().name(host).failureRate(0.5).build())
 *     .maxSize(1_000).evictIdleAfter(Duration.ofMinutes(10)).build();
 * Response r = perHost.get(uri.getHost()).call(() -> client.send(request, ofString()));
 * }
 */
public final class CircuitBreakerRegistry {

  private static final class Entry {
    final CircuitBreaker breaker;
    volatile long lastUsed;

    Entry(CircuitBreaker breaker, long now) {
      this.breaker = breaker;
      this.lastUsed = now;
    }
  }

  private final Function<String, CircuitBreaker> factory;
  private final int maxSize;
  private final long idleNanos;
  private final TimeSource time;
  private final ConcurrentHashMap<String, Entry> breakers = new ConcurrentHashMap<>();
  private final ReentrantLock sweeping = new ReentrantLock();
  private volatile long lastSweep;

  private CircuitBreakerRegistry(Builder b) {
    this.factory = b.factory;
    this.maxSize = b.maxSize;
    this.idleNanos = b.idleNanos;
    this.time = b.time;
    this.lastSweep = time.read();
  }

  /**
   * {@return a builder}
   *
   * @param factory makes the breaker for a name the first time it is asked for
   */
  public static Builder builder(Function<String, CircuitBreaker> factory) {
    return new Builder(factory);
  }

  /**
   * {@return the breaker named {@code name}, made by the factory if there is none}
   *
   * @param name the key: a host, a tenant
   */
  public CircuitBreaker get(String name) {
    long now = time.read();
    Entry e = breakers.get(name);
    if (e == null) {
      e =
          breakers.computeIfAbsent(
              name,
              n -> new Entry(Objects.requireNonNull(factory.apply(n), "factory result"), now));
      if (breakers.size() > maxSize || now - lastSweep >= idleNanos) {
        cleanUp();
      }
    } else if (e.lastUsed != now) {
      e.lastUsed = now;
    }
    return e.breaker;
  }

  /** {@return the breaker named {@code name}, if one exists; does not count as a use} */
  public Optional<CircuitBreaker> find(String name) {
    Entry e = breakers.get(name);
    return e == null ? Optional.empty() : Optional.of(e.breaker);
  }

  /** Drops the breaker named {@code name}, if any. */
  public void remove(String name) {
    breakers.remove(name);
  }

  /** {@return how many breakers exist} */
  public int size() {
    return breakers.size();
  }

  /** {@return the names of the breakers that exist, a snapshot} */
  public Set<String> names() {
    return Set.copyOf(breakers.keySet());
  }

  /** Drops idle breakers, then the least recently used beyond the maximum size. */
  public void cleanUp() {
    if (!sweeping.tryLock()) {
      return; // another thread is sweeping
    }
    try {
      long now = time.read();
      lastSweep = now;
      breakers
          .entrySet()
          .removeIf(en ->
              now - en.getValue().lastUsed >= idleNanos
                  && en.getValue().breaker.state() != CircuitBreaker.State.FORCED_OPEN);
      int excess = breakers.size() - maxSize;
      if (excess > 0) {
        List<Map.Entry<String, Entry>> byAge = new ArrayList<>(breakers.entrySet());
        byAge.sort((a, b) -> Long.compare(a.getValue().lastUsed, b.getValue().lastUsed));
        for (Map.Entry<String, Entry> en : byAge) {
          if (excess == 0) {
            break;
          }
          if (en.getValue().breaker.state() != CircuitBreaker.State.FORCED_OPEN
              && breakers.remove(en.getKey(), en.getValue())) {
            excess--;
          }
        }
      }
    } finally {
      sweeping.unlock();
    }
  }

  @Override
  public String toString() {
    return "CircuitBreakerRegistry[" + breakers.size() + " breakers]";
  }

  /** Configures a {@link CircuitBreakerRegistry}. Not thread-safe; setters validate at once. */
  public static final class Builder {
    private final Function<String, CircuitBreaker> factory;
    private int maxSize = 10_000;
    private long idleNanos = Duration.ofHours(1).toNanos();
    private TimeSource time = TimeSource.system();

    private Builder(Function<String, CircuitBreaker> factory) {
      this.factory = Objects.requireNonNull(factory, "factory");
    }

    /**
     * {@return this builder}
     *
     * @param maxSize the most breakers kept; at least 1, default 10,000
     */
    public Builder maxSize(int maxSize) {
      if (maxSize < 1) {
        throw new IllegalArgumentException("maxSize must be >= 1, was " + maxSize);
      }
      this.maxSize = maxSize;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param idle drops a breaker unused for this long; positive, default 1 hour
     */
    public Builder evictIdleAfter(Duration idle) {
      Objects.requireNonNull(idle, "idle");
      if (idle.isNegative() || idle.isZero()) {
        throw new IllegalArgumentException("evictIdleAfter must be > 0, was " + idle);
      }
      this.idleNanos = TimeSource.saturatedNanos(idle);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param time the clock idleness is measured on
     */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** {@return the registry, empty} */
    public CircuitBreakerRegistry build() {
      return new CircuitBreakerRegistry(this);
    }
  }
}
