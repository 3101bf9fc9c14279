package dev.weft.stream;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What a concurrent stream stage has in flight, and every way out of it: the base of the state of
 * {@link ConcurrentMap} (one element per unit) and {@link CpuMap} (a chunk of elements per unit).
 * The stream's thread owns everything but {@code done}, {@code live} and {@code failure}, which the
 * workers touch; see those classes for the protocol. Not thread-safe beyond that.
 *
 * @param <U> one unit of work
 */
abstract class InFlight<U extends InFlight.Unit> {

  /** One unit a worker runs: it can be cancelled and, once done, may carry a failure. */
  interface Unit {
    /** Stops the unit: it never starts, or its thread is interrupted. Any thread. */
    void cancel();

    /** {@return what the unit's function threw, once done; null if nothing} */
    @Nullable Throwable error();

    /** {@return the stream position of the element that threw} */
    long errorIndex();
  }

  final LinkedBlockingQueue<U> done = new LinkedBlockingQueue<>();
  final Set<U> live = ConcurrentHashMap.newKeySet();
  final AtomicReference<@Nullable U> failure = new AtomicReference<>();
  final ArrayDeque<U> window = new ArrayDeque<>();
  final long start = Failures.start();
  int running;

  private final String stage;

  /**
   * @param stage the stage's name in messages, such as {@code "concurrent map"}
   */
  InFlight(String stage) {
    this.stage = stage;
  }

  /** Takes one finished unit and counts it; an interrupt becomes a cancellation. */
  final U take() {
    U unit;
    try {
      unit = done.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CancellationException c =
          new CancellationException("interrupted while waiting for " + stage + " results");
      c.initCause(e);
      throw c;
    }
    running--;
    return unit;
  }

  /** Throws the recorded failure, if any, after abandoning what runs. */
  final void throwIfFailed() {
    U failed = failure.get();
    if (failed != null) {
      Throwable error = Objects.requireNonNull(failed.error());
      abandon();
      if (error instanceof Error e) {
        throw e;
      }
      throw Failures.wrap(failed.errorIndex(), null, start, error);
    }
  }

  /** Abandons what runs; {@return false, for an integrator that wants no more} */
  final boolean stop() {
    abandon();
    return false;
  }

  /** Cancels every live unit. Any thread. */
  final void cancelAll() {
    for (U u : live) {
      u.cancel();
    }
  }

  /** Cancels every live unit and waits, uninterruptibly, until all have returned. */
  final void abandon() {
    cancelAll();
    boolean interrupted = false;
    while (running > 0) {
      try {
        done.take();
        running--;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    window.clear();
    abandoned();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drops what the subclass holds besides the window; called by {@link #abandon()}. */
  void abandoned() {}
}
