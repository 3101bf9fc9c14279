package dev.weft.flow;

import java.util.concurrent.CancellationException;

/**
 * Thrown to a caller that was waiting for a permit when the pending callers were cleared ({@link
 * Limiter#clearPending()}). The caller never held a permit and its work never ran.
 */
public final class LimiterClearedException extends CancellationException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was cleared, naming the limiter
   */
  public LimiterClearedException(String message) {
    super(message);
  }
}
