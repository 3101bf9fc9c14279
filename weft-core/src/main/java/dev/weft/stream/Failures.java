package dev.weft.stream;

import dev.weft.task.TaskFailedException;
import dev.weft.time.TimeSource;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** How this package reports a failure of the function applied to one element or page. */
final class Failures {

  private Failures() {}

  /** {@return a ticker reading to measure a failure's elapsed time from} */
  static long start() {
    return TimeSource.system().read();
  }

  /**
   * {@return {@code failure} itself if unchecked; otherwise a {@link TaskFailedException} naming
   * the element's position and the time since {@code start}}; errors are thrown
   */
  static RuntimeException wrap(long index, @Nullable String name, long start, Throwable failure) {
    if (failure instanceof RuntimeException r) {
      return r;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    Duration elapsed = Duration.ofNanos(Math.max(0, TimeSource.system().read() - start));
    return new TaskFailedException(
        (int) Math.min(Integer.MAX_VALUE, index), name, elapsed, failure);
  }
}
