package dev.weft.queue;

/**
 * What {@link TaskQueue#submit} does when the queue already holds its capacity of waiting tasks.
 */
public enum Overflow {
  /** The submitter blocks until a task leaves the queue: backpressure. */
  BLOCK,
  /** The submit throws {@link QueueFullException}. */
  REJECT,
  /**
   * The oldest waiting task of the lowest priority present is dropped to make room (its handle ends
   * {@link TaskStatus#DROPPED}); if the new task's priority is lower than every waiting task's, the
   * new task is the one dropped.
   */
  DROP_OLDEST
}
