package dev.weft.queue;

/**
 * The completion rate of a {@link TaskQueue}, weighted toward the recent past, so that its ETA
 * follows a change of pace instead of averaging it away since the start. Not thread-safe: the queue
 * calls it under its lock.
 *
 * <p>Overview for maintainers. The queue reads the clock only when someone looks (a {@code
 * progress()} call or an {@code Ended} event), never per task, so the meter is fed samples {@code
 * (tick, ended)} at irregular times. During the first {@code window} after the first task started
 * the rate is the plain average since that start. After that, each sample moves the rate toward the
 * rate seen since the previous sample by {@code alpha = 1 - exp(-dt / window)}: an exponentially
 * weighted average whose weights decay with time, not with the number of samples, so frequent and
 * rare samples give the same answer for the same history. A sample with no time since the previous
 * one changes nothing and its completions count in the next.
 */
final class RateMeter {

  private final long windowNanos;
  private boolean started;
  private long startTick;
  private long startCount;
  private long lastTick;
  private long lastCount;
  private double rate;

  /**
   * @param windowNanos the decay time, {@code > 0}
   */
  RateMeter(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  /** Marks the start: the first task started at {@code tick}, with {@code ended} tasks ended. */
  void start(long tick, long ended) {
    if (!started) {
      started = true;
      startTick = tick;
      startCount = ended;
      lastTick = tick;
      lastCount = ended;
    }
  }

  boolean started() {
    return started;
  }

  /** {@return the rate in tasks per second after a sample at {@code tick} of {@code ended}} */
  double sample(long tick, long ended) {
    if (!started) {
      return 0;
    }
    long dt = tick - lastTick;
    if (dt <= 0) {
      return rate;
    }
    long sinceStart = tick - startTick;
    if (sinceStart <= windowNanos) {
      rate = (ended - startCount) * 1e9 / sinceStart;
    } else {
      double recent = (ended - lastCount) * 1e9 / dt;
      double alpha = -Math.expm1(-(double) dt / windowNanos);
      rate += alpha * (recent - rate);
    }
    lastTick = tick;
    lastCount = ended;
    return rate;
  }
}
