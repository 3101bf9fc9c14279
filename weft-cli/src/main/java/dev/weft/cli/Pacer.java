package dev.weft.cli;

import dev.weft.time.TimeSource;
import java.time.Duration;

/**
 * Spaces job starts at least {@code interval} apart ({@code --rate} and {@code --delay}): the n-th
 * start waits until {@code first + n * interval}, never bursting to catch up after a pause.
 *
 * <p>Stand-in until {@code dev.weft.flow.RateLimiter} lands on main; then {@code --rate} goes
 * through it. Not thread-safe: the one thread that starts jobs calls it.
 */
final class Pacer {

  private final TimeSource time;
  private final long intervalNanos;
  private long next;
  private boolean started;

  Pacer(TimeSource time, Duration interval) {
    this.time = time;
    this.intervalNanos = TimeSource.saturatedNanos(interval);
  }

  /**
   * Returns when the next start is allowed.
   *
   * @throws InterruptedException if interrupted while waiting (flag cleared)
   */
  void await() throws InterruptedException {
    if (intervalNanos <= 0) {
      return;
    }
    long now = time.read();
    if (!started || now - next >= 0) {
      started = true;
      next = now + intervalNanos;
      return;
    }
    time.sleep(Duration.ofNanos(next - now));
    next += intervalNanos;
  }
}
