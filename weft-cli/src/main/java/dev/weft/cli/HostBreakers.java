package dev.weft.cli;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A circuit breaker per host for {@code weft fetch}: when at least half of a host's last {@code
 * window} requests failed (connect errors, timeouts, 5xx; at least {@code window / 2} of them), its
 * breaker opens and its requests fail at once for {@code openFor}; then one probe goes through
 * (half-open): success closes it, failure opens it again. A dead host stops being hammered and its
 * URLs are reported with the reason, while a merely flaky one (a few percent of errors) never
 * trips.
 *
 * <p>Stand-in until {@code dev.weft.policy.CircuitBreaker} and its registry land on main.
 * Thread-safe: each host's state is guarded by its own lock.
 */
final class HostBreakers {

  private static final class State {
    final boolean[] ring;
    int next;
    int calls;
    int failures;
    long openUntil; // ticks; meaningful while open
    boolean open;
    boolean probing;

    State(int window) {
      ring = new boolean[window];
    }
  }

  private final TimeSource time;
  private final int window;
  private final long openNanos;
  private final ConcurrentHashMap<String, State> hosts = new ConcurrentHashMap<>();
  private final AtomicLong trips = new AtomicLong();

  /**
   * @param window how many recent requests per host are counted (>= 2)
   * @param openFor how long an open breaker refuses requests
   */
  HostBreakers(TimeSource time, int window, Duration openFor) {
    if (window < 2) {
      throw new BadInput("--breaker-window must be >= 2, was " + window);
    }
    this.time = time;
    this.window = window;
    this.openNanos = TimeSource.saturatedNanos(openFor);
  }

  /** {@return whether a request to {@code host} may go now} */
  boolean allow(String host) {
    State s = hosts.computeIfAbsent(host, h -> new State(window));
    synchronized (s) {
      if (!s.open) {
        return true;
      }
      if (!s.probing && time.read() - s.openUntil >= 0) {
        s.probing = true; // half-open: one probe
        return true;
      }
      return false;
    }
  }

  /** Records the result of a request to {@code host}. */
  void record(String host, boolean ok) {
    State s = hosts.computeIfAbsent(host, h -> new State(window));
    synchronized (s) {
      if (s.calls == window && s.ring[s.next]) {
        s.failures--;
      }
      s.ring[s.next] = !ok;
      s.next = (s.next + 1) % window;
      s.calls = Math.min(window, s.calls + 1);
      if (!ok) {
        s.failures++;
      }
      if (s.probing) {
        s.probing = false;
        if (ok) {
          s.open = false;
        } else {
          s.openUntil = time.read() + openNanos;
        }
        return;
      }
      if (!s.open && s.calls >= window / 2 && s.failures * 2 >= s.calls) {
        trips.incrementAndGet();
        s.open = true;
        s.openUntil = time.read() + openNanos;
      }
    }
  }

  /** {@return how many times a breaker opened} */
  long trips() {
    return trips.get();
  }
}
