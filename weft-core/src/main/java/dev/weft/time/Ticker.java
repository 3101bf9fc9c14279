package dev.weft.time;

/**
 * A monotonic source of nanoseconds, for measuring elapsed time. Only differences between two
 * readings are meaningful; a reading is not a wall-clock time.
 *
 * <p>Implementations are thread-safe and never go backwards.
 *
 * {@snippet :
 * long start = ticker.read();
 * work();
 * Duration took = Duration.ofNanos(ticker.read() - start);
 * }
 */
@FunctionalInterface
public interface Ticker {

  /** {@return the current reading in nanoseconds} */
  long read();

  /** {@return the time elapsed since {@code start}, an earlier reading of this ticker} */
  default java.time.Duration since(long start) {
    return java.time.Duration.ofNanos(read() - start);
  }
}
