package dev.weft.queue;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A task that a {@link TaskQueue} returned from {@link TaskQueue#shutdown(java.time.Duration)}
 * because it never started: the work itself, to run elsewhere or save, and its handle (now {@link
 * TaskStatus#CANCELLED}). Immutable.
 *
 * @param handle the task's handle
 * @param task the work, never run
 */
public record Unstarted(TaskHandle<?> handle, Callable<?> task) {

  /** Validates the parts. */
  public Unstarted {
    Objects.requireNonNull(handle, "handle");
    Objects.requireNonNull(task, "task");
  }
}
