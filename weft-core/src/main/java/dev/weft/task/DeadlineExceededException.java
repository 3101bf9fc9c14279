package dev.weft.task;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when a deadline passed before the work finished: by {@link Scope#join()}, {@link
 * Tasks#withTimeout(Duration, java.util.concurrent.Callable)} and the policies built on them. By
 * the time it is thrown, the work has stopped (every fork was cancelled and has returned). The
 * message names the deadline, the scope and how long it ran: {@code deadline of PT2S exceeded in
 * scope 'report' after PT2.000013S; 3 of 5 tasks cancelled}.
 *
 * <p>Unchecked; immutable apart from the {@link Throwable} machinery. Failures of tasks that
 * happened before the deadline are attached as suppressed.
 *
 * {@snippet :
 * try {
 *   return Tasks.withTimeout(Duration.ofSeconds(2), () -> slowReport());
 * } catch (DeadlineExceededException late) {
 *   return Report.partial(late.timeout());   // slowReport() has stopped by now
 * }
 * }
 */
public final class DeadlineExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final @Nullable Duration timeout;

  /**
   * Creates the exception.
   *
   * @param message what passed and where, standing alone in a log
   * @param timeout the time the work was given, if known
   */
  public DeadlineExceededException(String message, @Nullable Duration timeout) {
    super(Objects.requireNonNull(message, "message"));
    this.timeout = timeout;
  }

  /**
   * {@return the time the work was given, from the start of the scope to its deadline, if known}
   */
  public @Nullable Duration timeout() {
    return timeout;
  }
}
