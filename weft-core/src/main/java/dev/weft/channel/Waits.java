package dev.weft.channel;

import dev.weft.task.DeadlineExceededException;
import dev.weft.task.TaskContext;
import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** How a blocked channel call waits: the calling task's context turned into one timed park. */
final class Waits {

  private Waits() {}

  /**
   * Waits for {@code waiter} on the calling task's time source (its deadline's, if it has one),
   * until the earlier of {@code timeout} (if any) and the task's deadline; gives up on interrupt
   * and on the task's cancellation. {@return the winning clause, {@link Waiter#TIMED_OUT} or {@link
   * Waiter#DEADLINE}}
   */
  static int await(Waiter waiter, @Nullable Duration timeout) throws InterruptedException {
    Deadline deadline = TaskContext.deadline();
    // a deadline is measured on its own time source (a scope's manual clock in tests), and so is
    // the timeout beside it
    TimeSource time = deadline.isNever() ? TaskContext.timeSource() : deadline.timeSource();
    boolean timed = !deadline.isNever();
    boolean isDeadline = timed;
    long until = timed ? deadline.ticks() : 0;
    if (timeout != null) {
      long end = time.readAfter(timeout);
      if (!timed || end - until <= 0) {
        until = end;
        isDeadline = false;
      }
      timed = true;
    }
    return waiter.await(time, timed, until, isDeadline, TaskContext.token());
  }

  static DeadlineExceededException deadlineExceeded(String what) {
    return new DeadlineExceededException(
        "the task's deadline passed while waiting to " + what, null);
  }
}
