package dev.weft.task;

import java.util.List;

/**
 * Summarises a fan-out that failed: how many tasks succeeded, failed and were cancelled. {@link
 * Tasks#any} throws it when every task failed (each failure attached as suppressed, as {@code
 * AggregateError} does in JavaScript); {@link Scope#join()} attaches one as suppressed to the first
 * failure it rethrows, so the rethrown exception stays the task's own while the log still shows the
 * whole picture: {@code fan-out of 10 tasks: 2 succeeded, 1 failed, 7 cancelled}.
 *
 * <p>Unchecked; immutable apart from the {@link Throwable} machinery.
 *
 * {@snippet :
 * try {
 *   return Tasks.any(() -> mirrorA.get(), () -> mirrorB.get());
 * } catch (FanOutException allFailed) {
 *   for (Throwable cause : allFailed.getSuppressed()) log.warn("mirror failed", cause);
 *   throw allFailed;
 * }
 * }
 */
public final class FanOutException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int succeeded;
  private final int failed;
  private final int cancelled;

  /**
   * Creates the summary; each of {@code failures} is attached as suppressed.
   *
   * @param message what happened, standing alone in a log
   * @param succeeded how many tasks succeeded
   * @param failed how many failed
   * @param cancelled how many were cancelled or never started
   * @param failures the failures to attach, in task order
   */
  public FanOutException(
      String message,
      int succeeded,
      int failed,
      int cancelled,
      List<? extends Throwable> failures) {
    super(message + " (" + summary(succeeded, failed, cancelled) + ")");
    this.succeeded = succeeded;
    this.failed = failed;
    this.cancelled = cancelled;
    for (Throwable t : failures) {
      addSuppressed(t);
    }
  }

  /** {@return how many tasks succeeded} */
  public int succeeded() {
    return succeeded;
  }

  /** {@return how many tasks failed} */
  public int failed() {
    return failed;
  }

  /** {@return how many tasks were cancelled or never started} */
  public int cancelled() {
    return cancelled;
  }

  static String summary(int succeeded, int failed, int cancelled) {
    return (succeeded + failed + cancelled)
        + " tasks: "
        + succeeded
        + " succeeded, "
        + failed
        + " failed, "
        + cancelled
        + " cancelled";
  }
}
