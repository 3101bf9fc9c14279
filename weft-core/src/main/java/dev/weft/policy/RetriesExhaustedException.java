package dev.weft.policy;

import java.io.Serial;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Retry} stopped retrying. The cause is the last attempt's failure; the failures of the
 * earlier attempts are attached as suppressed, in order, so every attempt's failure is kept. The
 * message stands alone in a log: {@code retry 'payments' gave up after 3 attempts in PT0.7S (max
 * attempts 3 reached); last failure: java.io.IOException: reset}.
 *
 * <p>Immutable once thrown; safe to share between threads.
 */
public final class RetriesExhaustedException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  /** Why a retry stopped. */
  public enum Reason {
    /** The maximum number of attempts ran. */
    MAX_ATTEMPTS,
    /** The next delay would have ended past the maximum total duration. */
    MAX_DURATION,
    /** The retry budget had no room for another retry. */
    BUDGET,
    /** The next delay would have ended past the current deadline. */
    DEADLINE
  }

  private final String retryName;
  private final int attempts;
  private final Duration elapsed;
  private final Reason reason;

  RetriesExhaustedException(
      String retryName,
      int attempts,
      Duration elapsed,
      Reason reason,
      String limit,
      List<Throwable> failures) {
    super(message(retryName, attempts, elapsed, limit, failures), last(failures));
    this.retryName = retryName;
    this.attempts = attempts;
    this.elapsed = elapsed;
    this.reason = Objects.requireNonNull(reason, "reason");
    for (int i = 0; i < failures.size() - 1; i++) {
      addSuppressed(failures.get(i));
    }
  }

  private static @Nullable Throwable last(List<Throwable> failures) {
    return failures.isEmpty() ? null : failures.getLast();
  }

  private static String message(
      String name, int attempts, Duration elapsed, String limit, List<Throwable> failures) {
    String s =
        "retry '"
            + name
            + "' gave up after "
            + attempts
            + (attempts == 1 ? " attempt" : " attempts")
            + " in "
            + elapsed
            + " ("
            + limit
            + ")";
    return failures.isEmpty() ? s : s + "; last failure: " + failures.getLast();
  }

  /** {@return the name of the retry that gave up} */
  public String retryName() {
    return retryName;
  }

  /** {@return how many attempts ran} */
  public int attempts() {
    return attempts;
  }

  /** {@return the time from the first attempt's start to giving up} */
  public Duration elapsed() {
    return elapsed;
  }

  /** {@return why the retry stopped} */
  public Reason reason() {
    return reason;
  }
}
