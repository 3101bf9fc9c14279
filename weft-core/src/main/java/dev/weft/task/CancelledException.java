package dev.weft.task;

import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when work stopped because it was cancelled: by a failed sibling, by the owner of its
 * scope, by a {@link CancellationSource}, or because the thread waiting for it was interrupted. The
 * message says who cancelled and why; the cause, when there is one, is the reason (such as the
 * sibling's failure). Extends the JDK's {@link CancellationException}, so code that already treats
 * that as "stopped on purpose" keeps working.
 *
 * <p>Immutable apart from the {@link Throwable} machinery (suppressed exceptions, stack trace).
 *
 * {@snippet :
 * try {
 *   Tasks.all(ids, id -> api.user(id));
 * } catch (CancelledException stopped) {
 *   log.info("stopped: {}", stopped.getMessage());   // e.g. "... was cancelled from outside: shutting down"
 * }
 * }
 */
public final class CancelledException extends CancellationException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why the work was cancelled, standing alone in a log
   */
  public CancelledException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message why the work was cancelled, standing alone in a log
   * @param cause the reason behind it, such as the failure that cancelled the siblings
   */
  public CancelledException(String message, @Nullable Throwable cause) {
    super(message);
    if (cause != null) {
      initCause(cause);
    }
  }
}
