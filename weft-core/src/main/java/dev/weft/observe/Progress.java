package dev.weft.observe;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts finished units of work against an optional total and derives a rate over a moving window
 * and an estimated time to completion. Any loop, queue, pipeline or combinator can feed one: call
 * {@link #step()} (or {@link #fail()}) as each unit ends, or wrap the work with {@link
 * #track(Callable)}; read it with {@link #snapshot()}, or show it with a {@link ProgressBar}.
 *
 * <p>Thread-safe. The counting methods are lock-free and cheap (a {@link LongAdder} increment, no
 * clock read, no allocation), so they suit hot paths; {@link #snapshot()} takes a short lock and
 * reads the clock.
 *
 * {@snippet :
 * Progress progress = Progress.of(urls.size());
 * try (ProgressBar bar = ProgressBar.builder(progress).label("fetch").build().start()) {
 *   for (String url : urls) {
 *     progress.track(() -> fetch(url)).call();
 *   }
 * }
 * }
 *
 * <p>Overview for maintainers: {@code done} and {@code failed} are {@link LongAdder}s written by
 * any thread. The rate is computed only when a snapshot is taken: each snapshot appends a sample
 * (tick, done) to {@code samples} (guarded by {@code lock}) and drops samples older than the
 * window, always keeping one sample at or before the window's start, so the rate spans the whole
 * window once there is enough history. The first sample is the start (tick at creation, 0 done).
 * Snapshots taken rarely therefore still give a correct average; the window only limits how far
 * back the average reaches.
 */
public final class Progress {

  /** The default length of the moving window over which the rate is computed. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

  private static final int MAX_SAMPLES = 1024;
  private static final long UNKNOWN = -1; // private: the API says OptionalLong.empty()

  private final TimeSource time;
  private final long windowNanos;
  private final long startTick;
  private final LongAdder done = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicLong total;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {tick, done}; guarded by lock

  private Progress(long total, Duration window, TimeSource time) {
    this.time = Objects.requireNonNull(time, "time");
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be > 0, was " + window);
    }
    if (total < UNKNOWN) {
      throw new IllegalArgumentException("total must be >= 0, was " + total);
    }
    this.windowNanos = TimeSource.saturatedNanos(window);
    this.total = new AtomicLong(total);
    this.startTick = time.read();
    samples.add(new long[] {startTick, 0});
  }

  /**
   * {@return a tracker of {@code total} units on the system clock, with the default window}
   *
   * @param total how many units there are; at least 0
   * @throws IllegalArgumentException if {@code total} is negative
   */
  public static Progress of(long total) {
    return of(total, DEFAULT_WINDOW, TimeSource.system());
  }

  /**
   * {@return a tracker of {@code total} units}
   *
   * @param total how many units there are; at least 0
   * @param window how far back the rate looks; positive
   * @param time the clock to read
   * @throws IllegalArgumentException if {@code total} is negative or {@code window} not positive
   */
  public static Progress of(long total, Duration window, TimeSource time) {
    if (total < 0) {
      throw new IllegalArgumentException("total must be >= 0, was " + total);
    }
    return new Progress(total, window, time);
  }

  /** {@return a tracker whose total is not known (yet), on the system clock} */
  public static Progress unbounded() {
    return unbounded(DEFAULT_WINDOW, TimeSource.system());
  }

  /**
   * {@return a tracker whose total is not known (yet); {@link #total(long)} may set it later}
   *
   * @param window how far back the rate looks; positive
   * @param time the clock to read
   */
  public static Progress unbounded(Duration window, TimeSource time) {
    return new Progress(UNKNOWN, window, time);
  }

  /** Counts one unit done successfully. Lock-free; never blocks. */
  public void step() {
    done.increment();
  }

  /**
   * Counts {@code units} done successfully. Lock-free; never blocks.
   *
   * @param units how many finished; at least 0
   * @throws IllegalArgumentException if {@code units} is negative
   */
  public void step(long units) {
    if (units < 0) {
      throw new IllegalArgumentException("units must be >= 0, was " + units);
    }
    done.add(units);
  }

  /** Counts one unit done that failed (it counts in done too). Lock-free; never blocks. */
  public void fail() {
    failed.increment();
    done.increment();
  }

  /**
   * Sets the total, for work whose size becomes known (or grows) while it runs.
   *
   * @param total the new total; at least 0
   * @throws IllegalArgumentException if {@code total} is negative
   */
  public void total(long total) {
    if (total < 0) {
      throw new IllegalArgumentException("total must be >= 0, was " + total);
    }
    this.total.set(total);
  }

  /**
   * Adds {@code units} to the total (an unknown total becomes {@code units}).
   *
   * @param units how many more units there are; at least 0
   * @throws IllegalArgumentException if {@code units} is negative
   */
  public void addTotal(long units) {
    if (units < 0) {
      throw new IllegalArgumentException("units must be >= 0, was " + units);
    }
    total.updateAndGet(t -> t == UNKNOWN ? units : t + units);
  }

  /**
   * {@return {@code task} wrapped so that it counts one {@link #step()} when it returns and one
   * {@link #fail()} when it throws (and rethrows)}
   *
   * @param task the work to count
   * @param <T> what the task returns
   */
  public <T> Callable<T> track(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      T result;
      try {
        result = task.call();
      } catch (Throwable t) {
        fail();
        throw t;
      }
      step();
      return result;
    };
  }

  /**
   * {@return the counts, the rate over the window and the ETA now}. Takes a short lock and reads
   * the clock once.
   */
  public Snapshot snapshot() {
    long nowDone = done.sum();
    long nowFailed = failed.sum();
    long nowTotal = total.get();
    long now;
    long[] oldest;
    lock.lock();
    try {
      now = time.read();
      samples.addLast(new long[] {now, nowDone});
      // keep one sample at or before the window's start; drop the ones before it
      while (samples.size() > 2) {
        Iterator<long[]> it = samples.iterator();
        it.next();
        long[] second = it.next();
        if (now - second[0] >= windowNanos || samples.size() > MAX_SAMPLES) {
          samples.removeFirst();
        } else {
          break;
        }
      }
      oldest = samples.getFirst();
    } finally {
      lock.unlock();
    }
    long spanNanos = now - oldest[0];
    OptionalDouble rate =
        spanNanos <= 0
            ? OptionalDouble.empty()
            : OptionalDouble.of((nowDone - oldest[1]) * 1e9 / spanNanos);
    OptionalLong totalOpt = nowTotal == UNKNOWN ? OptionalLong.empty() : OptionalLong.of(nowTotal);
    Optional<Duration> eta = Optional.empty();
    if (totalOpt.isPresent() && rate.isPresent()) {
      long left = Math.max(0, nowTotal - nowDone);
      if (left == 0) {
        eta = Optional.of(Duration.ZERO);
      } else if (rate.getAsDouble() > 0) {
        double seconds = left / rate.getAsDouble();
        eta = Optional.of(Duration.ofNanos((long) Math.min(Long.MAX_VALUE, seconds * 1e9)));
      }
    }
    return new Snapshot(nowDone, nowFailed, totalOpt, Duration.ofNanos(now - startTick), rate, eta);
  }

  @Override
  public String toString() {
    return "Progress" + snapshot();
  }

  /**
   * The state of a {@link Progress} at one moment. An immutable value.
   *
   * @param done units finished, failed ones included
   * @param failed units that failed
   * @param total how many units there are, when known
   * @param elapsed time since the tracker was created
   * @param ratePerSecond units finished per second over the moving window; empty until time has
   *     passed
   * @param eta estimated time left at that rate; empty when the total or the rate is unknown, or
   *     nothing has finished in the window
   */
  public record Snapshot(
      long done,
      long failed,
      OptionalLong total,
      Duration elapsed,
      OptionalDouble ratePerSecond,
      Optional<Duration> eta) {

    /** Validates the parts. */
    public Snapshot {
      Objects.requireNonNull(total, "total");
      Objects.requireNonNull(elapsed, "elapsed");
      Objects.requireNonNull(ratePerSecond, "ratePerSecond");
      Objects.requireNonNull(eta, "eta");
    }

    /** {@return done as a fraction of the total in [0, 1], empty when the total is unknown} */
    public OptionalDouble fraction() {
      if (total.isEmpty()) {
        return OptionalDouble.empty();
      }
      long t = total.getAsLong();
      return OptionalDouble.of(t == 0 ? 1.0 : Math.min(1.0, (double) done / t));
    }

    /** {@return units that finished successfully} */
    public long succeeded() {
      return done - failed;
    }
  }
}
