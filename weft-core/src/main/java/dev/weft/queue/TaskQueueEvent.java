package dev.weft.queue;

import dev.weft.observe.Event;
import java.time.Duration;

/**
 * What a {@link TaskQueue} emits to its listener. {@code source()} is the queue's name; {@code
 * task} is the task's id. Immutable records.
 */
public sealed interface TaskQueueEvent extends Event {

  /**
   * A task was accepted.
   *
   * @param source the queue
   * @param task the task's id
   * @param priority its priority
   * @param queued tasks waiting after it was added
   */
  record Submitted(String source, long task, Priority priority, int queued)
      implements TaskQueueEvent {}

  /**
   * An attempt started.
   *
   * @param source the queue
   * @param task the task's id
   * @param attempt the attempt, from 1
   */
  record Started(String source, long task, int attempt) implements TaskQueueEvent {}

  /**
   * An attempt failed and another will follow after {@code delay}.
   *
   * @param source the queue
   * @param task the task's id
   * @param attempt the attempt that failed
   * @param error what it threw
   * @param delay the backoff before the next attempt
   */
  record Retrying(String source, long task, int attempt, Throwable error, Duration delay)
      implements TaskQueueEvent {}

  /**
   * A task ended: succeeded, finally failed, cancelled or dropped.
   *
   * @param source the queue
   * @param task the task's id
   * @param status how it ended
   * @param took how long since it started ({@link Duration#ZERO} if it never started)
   * @param progress the queue's counts after it ended
   */
  record Ended(String source, long task, TaskStatus status, Duration took, QueueProgress progress)
      implements TaskQueueEvent {}
}
