package dev.weft.policy;

import java.io.Serial;
import java.time.Duration;

/**
 * A {@link Bulkhead} refused a call: all its permits stayed taken for the whole of its maximum
 * wait. The message stands alone in a log: {@code bulkhead 'db' is full (10/10 calls running);
 * waited PT0.1S}. Records no stack trace (it is thrown on the overload path). Immutable; safe to
 * share.
 */
public final class BulkheadFullException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final String bulkheadName;
  private final int maxConcurrent;

  BulkheadFullException(String bulkheadName, int maxConcurrent, Duration waited) {
    super(
        "bulkhead '"
            + bulkheadName
            + "' is full ("
            + maxConcurrent
            + "/"
            + maxConcurrent
            + " calls running); waited "
            + waited,
        null,
        false,
        false);
    this.bulkheadName = bulkheadName;
    this.maxConcurrent = maxConcurrent;
  }

  /** {@return the name of the bulkhead that refused the call} */
  public String bulkheadName() {
    return bulkheadName;
  }

  /** {@return its limit of concurrent calls} */
  public int maxConcurrent() {
    return maxConcurrent;
  }
}
