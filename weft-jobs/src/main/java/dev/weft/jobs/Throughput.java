package dev.weft.jobs;

import java.time.Instant;
import java.util.Objects;

/**
 * How many jobs of one queue reached a final state within one minute: those that succeeded and
 * those that died or were cancelled. Read from the index on {@code finished_at}.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param queue the queue
 * @param minute the start of the minute
 * @param succeeded jobs that succeeded in that minute
 * @param failed jobs that died or were cancelled in that minute
 */
public record Throughput(String queue, Instant minute, long succeeded, long failed) {

  /** Checks that no component is null and the counts are not negative. */
  public Throughput {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(minute, "minute");
    if (succeeded < 0 || failed < 0) {
      throw new IllegalArgumentException("counts must be >= 0, were " + succeeded + ", " + failed);
    }
  }
}
