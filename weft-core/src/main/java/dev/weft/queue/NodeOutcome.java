package dev.weft.queue;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one node of a {@link TaskGraph} ended: it {@link Succeeded}, {@link Failed} with its own
 * error, was {@link Skipped} because a dependency did not succeed, or was {@link Cancelled} by
 * fail-fast or an interrupt before or while it ran. Immutable values.
 */
public sealed interface NodeOutcome {

  /**
   * The node returned.
   *
   * @param value what it returned; may be null
   */
  record Succeeded(@Nullable Object value) implements NodeOutcome {}

  /**
   * The node's own work threw.
   *
   * @param error what it threw
   */
  record Failed(Throwable error) implements NodeOutcome {
    /** Validates the parts. */
    public Failed {
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * The node never ran because these dependencies did not succeed.
   *
   * @param blockedBy the dependencies that failed, were skipped or were cancelled
   */
  record Skipped(List<String> blockedBy) implements NodeOutcome {
    /** Copies the list. */
    public Skipped {
      blockedBy = List.copyOf(blockedBy);
    }
  }

  /**
   * The node was cancelled: it had not started, or it was interrupted while running, because
   * another node failed under fail-fast or the caller was interrupted.
   *
   * @param started whether it had started (and was interrupted)
   */
  record Cancelled(boolean started) implements NodeOutcome {}
}
