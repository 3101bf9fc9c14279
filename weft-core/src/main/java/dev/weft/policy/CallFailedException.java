package dev.weft.policy;

import java.io.Serial;
import java.util.Objects;

/**
 * A checked exception thrown by work run under a {@link Policy}, carried unchecked. The cause is
 * the exception the work threw, unchanged; unchecked exceptions and errors are never wrapped.
 *
 * <p>Immutable once thrown; safe to share between threads.
 */
public final class CallFailedException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  CallFailedException(String policy, Exception cause) {
    super("call under policy '" + policy + "' failed: " + cause, cause);
  }

  /** {@return the checked exception the work threw} */
  @Override
  public synchronized Exception getCause() {
    return (Exception) Objects.requireNonNull(super.getCause());
  }
}
