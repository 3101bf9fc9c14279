package dev.weft.policy;

import java.io.Serial;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Timeout} ran out: the work was interrupted and cancelled. The message stands alone in a
 * log and says whether the work had stopped when the caller got this exception: {@code timeout
 * 'report' of PT2S passed; the work was interrupted and has stopped}. The cause, if any, is what
 * the interrupted work threw.
 *
 * <p>Immutable once thrown; safe to share.
 */
public final class TimeoutExceededException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final String timeoutName;
  private final Duration timeout;
  private final boolean workStopped;

  TimeoutExceededException(
      String timeoutName, Duration timeout, boolean workStopped, @Nullable Throwable cause) {
    super(
        "timeout '"
            + timeoutName
            + "' of "
            + timeout
            + " passed; the work was interrupted and "
            + (workStopped ? "has stopped" : "may still be running (the timeout returns early)"),
        cause);
    this.timeoutName = timeoutName;
    this.timeout = timeout;
    this.workStopped = workStopped;
  }

  /** {@return the name of the timeout that ran out} */
  public String timeoutName() {
    return timeoutName;
  }

  /** {@return the limit that passed (the enclosing deadline's rest, when that was shorter)} */
  public Duration timeout() {
    return timeout;
  }

  /** {@return whether the work had stopped when this was thrown} */
  public boolean workStopped() {
    return workStopped;
  }
}
