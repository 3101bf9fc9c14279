package dev.weft.policy;

/**
 * The sliding window of a circuit breaker's recent outcomes: the last {@code n} calls, or the calls
 * of the last {@code d} of time in ten buckets. Thread-safe: every method is {@code synchronized}
 * on the window, and no user code runs under that lock.
 */
abstract sealed class BreakerWindow {

  /** Outcome codes stored per call. */
  static final byte SUCCESS = 0;

  static final byte FAILURE = 1;
  static final byte SLOW = 2; // a bit: a call can be both failed and slow

  final int minimumCalls;
  final double failureRate;
  final double slowRate;
  int calls;
  int failures;
  int slowCalls;

  BreakerWindow(int minimumCalls, double failureRate, double slowRate) {
    this.minimumCalls = minimumCalls;
    this.failureRate = failureRate;
    this.slowRate = slowRate;
  }

  /**
   * Records one outcome at ticker reading {@code now} and {@return whether the window now exceeds a
   * threshold, having seen at least the minimum number of calls}
   */
  abstract boolean record(byte outcome, long now);

  /** {@return the counts at {@code now}, after expiring old buckets} */
  abstract CircuitBreaker.Metrics snapshot(CircuitBreaker.State state, long now);

  final boolean exceeded() {
    return calls >= minimumCalls
        && (failures >= failureRate * calls || (slowRate <= 1.0 && slowCalls >= slowRate * calls));
  }

  final void add(byte outcome, int sign) {
    calls += sign;
    failures += (outcome & FAILURE) * sign;
    slowCalls += ((outcome & SLOW) >> 1) * sign;
  }

  /** The last {@code size} outcomes, in a ring. */
  static final class Count extends BreakerWindow {
    private final byte[] ring;
    private int next;
    private boolean full;

    Count(int size, int minimumCalls, double failureRate, double slowRate) {
      super(minimumCalls, failureRate, slowRate);
      this.ring = new byte[size];
    }

    @Override
    synchronized boolean record(byte outcome, long now) {
      if (full) {
        add(ring[next], -1);
      }
      ring[next] = outcome;
      add(outcome, 1);
      if (++next == ring.length) {
        next = 0;
        full = true;
      }
      return exceeded();
    }

    @Override
    synchronized CircuitBreaker.Metrics snapshot(CircuitBreaker.State state, long now) {
      return new CircuitBreaker.Metrics(state, calls, failures, slowCalls);
    }
  }

  /**
   * The outcomes of the last {@code span} of time, in {@link #BUCKETS} buckets of {@code span /
   * BUCKETS}: bucket {@code e % BUCKETS} holds epoch {@code e}. When the current epoch moves on,
   * the buckets of the epochs it skipped are emptied, so a bucket never holds stale counts.
   */
  static final class Timed extends BreakerWindow {
    static final int BUCKETS = 10;
    private final long width;
    private final long origin;
    private final int[][] buckets = new int[BUCKETS][3]; // calls, failures, slow
    private long epoch;

    Timed(long spanNanos, long origin, int minimumCalls, double failureRate, double slowRate) {
      super(minimumCalls, failureRate, slowRate);
      this.width = Math.max(1, spanNanos / BUCKETS);
      this.origin = origin;
    }

    private void advance(long now) {
      long e = Math.floorDiv(now - origin, width);
      if (e <= epoch) {
        return;
      }
      long from = Math.max(epoch + 1, e - BUCKETS + 1);
      for (long k = from; k <= e; k++) {
        int[] b = buckets[(int) Math.floorMod(k, (long) BUCKETS)];
        calls -= b[0];
        failures -= b[1];
        slowCalls -= b[2];
        b[0] = b[1] = b[2] = 0;
      }
      epoch = e;
    }

    @Override
    synchronized boolean record(byte outcome, long now) {
      advance(now);
      int[] b = buckets[(int) Math.floorMod(epoch, (long) BUCKETS)];
      b[0]++;
      b[1] += outcome & FAILURE;
      b[2] += (outcome & SLOW) >> 1;
      add(outcome, 1);
      return exceeded();
    }

    @Override
    synchronized CircuitBreaker.Metrics snapshot(CircuitBreaker.State state, long now) {
      advance(now);
      return new CircuitBreaker.Metrics(state, calls, failures, slowCalls);
    }
  }
}
