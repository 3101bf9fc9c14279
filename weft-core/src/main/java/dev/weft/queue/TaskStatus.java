package dev.weft.queue;

/**
 * Where a {@link TaskQueue} task is in its life. Moves: {@code QUEUED -> RUNNING -> SUCCEEDED |
 * FAILED | CANCELLED}; {@code QUEUED -> CANCELLED | DROPPED}. The last four are terminal.
 */
public enum TaskStatus {
  /** Waiting in the queue. */
  QUEUED,
  /** Running (possibly between retries). */
  RUNNING,
  /** Returned a value. */
  SUCCEEDED,
  /** Failed its last attempt; the dead-letter handler received it. */
  FAILED,
  /** Cancelled by its handle or by the queue's close, before or while it ran. */
  CANCELLED,
  /** Dropped from a full queue under {@link Overflow#DROP_OLDEST}; it never ran. */
  DROPPED;

  /** {@return whether the task has ended} */
  public boolean isTerminal() {
    return this != QUEUED && this != RUNNING;
  }
}
