package dev.weft.policy;

import dev.weft.observe.WeftThreads;
import dev.weft.task.CancellationSource;
import dev.weft.task.TaskContext;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A single-flight cache: concurrent calls for the same key share one execution of the loader, and
 * its result is kept for a time-to-live, up to a maximum number of entries.
 *
 * <p>The loader runs on its own virtual thread ({@code weft-cache-<name>}), with the deadline, time
 * source and propagated context (such as the MDC) of the caller that started the load, and a
 * cancellation token of its own; every caller, the first included, waits for it. So an interrupted
 * or cancelled caller leaves alone, and the load goes on for the others; when the last waiter
 * leaves, the load is cancelled (its token and an interrupt) and dropped, and that caller returns
 * only once the loader has stopped, as a fork's owner does ({@code docs/tasks.md}). A loader stuck
 * in a call that ignores interrupts holds that caller; wrap such a call in {@link
 * dev.weft.task.Tasks#abandonOnCancel}. Failures are shared by the callers waiting for that load
 * but not cached, unless {@link Builder#cacheFailures(Duration)} says for how long. {@link
 * #invalidate(Object)} drops an entry; a load in flight when its key is invalidated still completes
 * for its waiters but is not cached. With a time-to-live of zero (the default) it only shares loads
 * in flight. When the maximum size is passed, the entries loaded first are dropped first.
 *
 * <p>Thread-safe; share one instance. A hit is a lock-free map read and one clock read. Each key
 * has at most one load in flight at a time.
 *
 * {@snippet :
 * CallCache<String, User> users = CallCache.<String, User>builder()
 *     .name("users").ttl(Duration.ofMinutes(1)).maxSize(10_000).build();
 * User user = users.get(id, () -> api.user(id)); // ten concurrent callers: one request
 * }
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class CallCache<K, V> {

  /*
   * Overview for maintainers. The map holds, per key, either a Flight (a load in flight) or a
   * Stored outcome. A caller that finds nothing installs a Flight with putIfAbsent and starts its
   * thread; a caller that finds a Flight joins it. Flight.waiters (guarded by the flight's
   * monitor) counts the callers waiting; the last to leave without an outcome marks the flight
   * abandoned, removes it from the map, cancels its token, interrupts its thread and waits for the
   * outcome, which the loader's thread always completes; an abandoned flight cannot be joined. The loader's thread replaces its Flight by the Stored outcome with replace(key, flight,
   * stored), which fails if the key was invalidated meanwhile, so a stale load is never cached.
   * Eviction is FIFO by load: stored entries are queued when stored; the queue may hold entries no
   * longer mapped (invalidated, expired), which are skipped, and is purged when it grows to twice
   * the map.
   */

  private final String name;
  private final long ttlNanos;
  private final long failureTtlNanos;
  private final int maxSize;
  private final TimeSource time;
  private final ThreadFactory loaders;
  private final ConcurrentHashMap<K, Object> map = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Stored<K>> order = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();

  private static final class Flight {
    final CompletableFuture<Object> outcome = new CompletableFuture<>();
    final CancellationSource cancel = new CancellationSource();
    int waiters = 1; // guarded by this
    boolean abandoned; // guarded by this
    volatile @Nullable Thread thread;

    synchronized boolean join() {
      if (abandoned) {
        return false;
      }
      waiters++;
      return true;
    }

    /** {@return whether the caller was the last waiter of an unfinished load} */
    synchronized boolean leave() {
      waiters--;
      if (waiters == 0 && !outcome.isDone()) {
        abandoned = true;
        return true;
      }
      return false;
    }
  }

  private record Stored<K>(
      K key, @Nullable Object value, @Nullable Throwable failure, long until) {}

  private CallCache(Builder<K, V> b) {
    this.name = b.name;
    this.ttlNanos = b.ttlNanos;
    this.failureTtlNanos = b.failureTtlNanos;
    this.maxSize = b.maxSize;
    this.time = b.time;
    this.loaders = WeftThreads.virtual("weft-cache-" + name);
  }

  /**
   * {@return a builder}
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static <K, V> Builder<K, V> builder() {
    return new Builder<>();
  }

  /**
   * Returns the value for {@code key}: the cached one if it has not expired, else the result of the
   * load in flight for that key, else the result of a new load by {@code loader}.
   *
   * <p>Blocks until the load ends. Returns its value; throws its failure (unchecked unchanged, a
   * checked one wrapped in {@link dev.weft.task.TaskFailedException}, a {@code null} result as a
   * {@link NullPointerException}); on interrupt, throws {@link dev.weft.task.CancelledException}
   * with the interrupt flag set, and the load goes on for the other waiters (or, if there are none,
   * is cancelled and has stopped).
   *
   * @param key the key
   * @param loader loads the value when no load for the key is cached or in flight
   * @return the value
   */
  @SuppressWarnings("unchecked")
  public V get(K key, Callable<? extends V> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(loader, "loader");
    while (true) {
      Object node = map.get(key);
      if (node instanceof Stored<?> s) {
        if (time.read() - s.until < 0) {
          return (V) unwrap(s.value, s.failure);
        }
        map.remove(key, s);
        continue;
      }
      Flight flight;
      if (node instanceof Flight f) {
        if (!f.join()) {
          map.remove(key, f); // abandoned; help its last waiter remove it
          continue;
        }
        flight = f;
      } else {
        flight = new Flight();
        if (map.putIfAbsent(key, flight) != null) {
          continue;
        }
        start(key, flight, loader);
      }
      return (V) await(key, flight);
    }
  }

  /** Drops the entry for {@code key}; a load in flight completes for its waiters, uncached. */
  public void invalidate(K key) {
    Object node = map.get(key);
    if (node != null) {
      map.remove(key, node);
    }
  }

  /** Drops every entry. */
  public void invalidateAll() {
    map.clear();
  }

  /** {@return how many keys have a value cached or a load in flight (expired ones included)} */
  public int size() {
    return map.size();
  }

  /** {@return how many callers wait for the load in flight for {@code key}; for tests} */
  int waiting(K key) {
    if (map.get(key) instanceof Flight f) {
      synchronized (f) {
        return f.waiters;
      }
    }
    return 0;
  }

  @Override
  public String toString() {
    return "CallCache[" + name + ", " + map.size() + " entries]";
  }

  private void start(K key, Flight flight, Callable<? extends V> task) {
    // the load runs with the context of the caller that started it (deadline, MDC) and its own
    // token: one caller's cancellation is not the others'
    Callable<? extends V> loader =
        TaskContext.carry(
            () -> TaskContext.callWithin(flight.cancel.token(), TaskContext.deadline(), task));
    Thread t =
        loaders.newThread(() -> {
          Object value = null;
          Throwable failure = null;
          try {
            value = Objects.requireNonNull(loader.call(), "loader returned null");
          } catch (Throwable e) {
            failure = e;
          }
          store(key, flight, value, failure);
          if (failure == null) {
            flight.outcome.complete(value);
          } else {
            flight.outcome.completeExceptionally(failure);
          }
        });
    flight.thread = t;
    t.start();
  }

  @SuppressWarnings("ReferenceEquality") // identity: is this very entry still mapped?
  private void store(K key, Flight flight, @Nullable Object value, @Nullable Throwable failure) {
    long ttl = failure == null ? ttlNanos : failureTtlNanos;
    if (ttl <= 0) {
      map.remove(key, flight);
      return;
    }
    Stored<K> stored = new Stored<>(key, value, failure, time.readAfter(Duration.ofNanos(ttl)));
    if (!map.replace(key, flight, stored)) {
      return; // invalidated or abandoned meanwhile
    }
    order.add(stored);
    if (queued.incrementAndGet() > 2 * Math.max(16, map.size())) {
      order.removeIf(s -> map.get(s.key()) != s);
      queued.set(order.size());
    }
    while (map.size() > maxSize) {
      Stored<K> oldest = order.poll();
      if (oldest == null) {
        break;
      }
      queued.decrementAndGet();
      map.remove(oldest.key(), oldest);
    }
  }

  private Object await(K key, Flight flight) {
    try {
      return flight.outcome.get();
    } catch (InterruptedException e) {
      if (flight.leave()) {
        map.remove(key, flight);
        flight.cancel.cancel("every caller waiting for the load of cache '" + name + "' left");
        Thread t = flight.thread;
        if (t != null) {
          t.interrupt();
        }
        flight.outcome.handle((value, failure) -> value).join(); // the loader has stopped
      }
      Thread.currentThread().interrupt();
      throw Calls.interrupted(name, e);
    } catch (ExecutionException e) {
      Throwable cause = Objects.requireNonNull(e.getCause());
      return unwrap(null, cause);
    }
  }

  private Object unwrap(@Nullable Object value, @Nullable Throwable failure) {
    if (failure == null) {
      return Objects.requireNonNull(value, "value");
    }
    throw Calls.unchecked(name, failure);
  }

  /**
   * Configures a {@link CallCache}. Not thread-safe; setters validate at once.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private String name = "cache";
    private long ttlNanos;
    private long failureTtlNanos;
    private int maxSize = 10_000;
    private TimeSource time = TimeSource.system();

    private Builder() {}

    /**
     * {@return this builder}
     *
     * @param name names the loader threads and messages; default "cache"
     */
    public Builder<K, V> name(String name) {
      this.name = Calls.requireName(name);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param ttl how long a loaded value is kept; zero (the default) keeps none and only shares
     *     loads in flight
     */
    public Builder<K, V> ttl(Duration ttl) {
      this.ttlNanos = nonNegative("ttl", ttl);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param ttl how long a failure is kept and rethrown to later callers; zero (the default) keeps
     *     none
     */
    public Builder<K, V> cacheFailures(Duration ttl) {
      this.failureTtlNanos = nonNegative("failure ttl", ttl);
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param maxSize the most entries kept; at least 1, default 10,000
     */
    public Builder<K, V> maxSize(int maxSize) {
      if (maxSize < 1) {
        throw new IllegalArgumentException("maxSize must be >= 1, was " + maxSize);
      }
      this.maxSize = maxSize;
      return this;
    }

    /**
     * {@return this builder}
     *
     * @param time the clock expiry is measured on
     */
    public Builder<K, V> timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** {@return the cache, empty} */
    public CallCache<K, V> build() {
      return new CallCache<>(this);
    }

    private static long nonNegative(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must be >= 0, was " + d);
      }
      return TimeSource.saturatedNanos(d);
    }
  }
}
