package dev.weft.policy;

import dev.weft.task.TaskContext;
import dev.weft.time.Deadline;

/** The deadline of the code that is running, as the policies see it. */
final class CurrentDeadline {

  private CurrentDeadline() {}

  /** {@return the current task's deadline, {@link Deadline#never()} when there is none} */
  static Deadline get() {
    return TaskContext.deadline();
  }
}
