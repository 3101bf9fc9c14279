package dev.weft.queue;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A task that finally failed: its last attempt threw and no retry was left or allowed. A {@link
 * TaskQueue}'s dead-letter handler receives exactly one per such task. Immutable.
 *
 * @param queue the queue's name
 * @param handle the task's handle (status {@link TaskStatus#FAILED})
 * @param task the work, to run again or save
 * @param error what the last attempt threw
 * @param attempts how many attempts ran
 */
public record DeadLetter(
    String queue, TaskHandle<?> handle, Callable<?> task, Throwable error, int attempts) {

  /** Validates the parts. */
  public DeadLetter {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(handle, "handle");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(error, "error");
  }
}
