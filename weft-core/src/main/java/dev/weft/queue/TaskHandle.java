package dev.weft.queue;

import dev.weft.task.Settled;
import java.util.Optional;

/**
 * A task submitted to a {@link TaskQueue}: its identity, its status, its result once it ends, and a
 * way to cancel it. Thread-safe. Memory consistency effects: the task's actions happen-before
 * {@link #await()} returns.
 *
 * @param <T> the result type
 */
public interface TaskHandle<T> {

  /** {@return the task's number in its queue, from 0, in order of submission} */
  long id();

  /** {@return the task's name: the one given at submission, or {@code task-<id>}} */
  String name();

  /** {@return the task's priority} */
  Priority priority();

  /** {@return where the task is now} */
  TaskStatus status();

  /** {@return how many attempts have started so far} */
  int attempts();

  /** {@return how the task ended, or empty while it is queued or running} */
  Optional<Settled<T>> outcome();

  /**
   * Waits until the task ends and returns its value.
   *
   * <p>Returns the value when it succeeded. Throws what its last attempt threw when it failed:
   * unchecked exceptions unchanged, checked ones in a {@link dev.weft.task.TaskFailedException}
   * naming the queue, the task and the attempts. Throws {@link dev.weft.task.CancelledException}
   * when it was cancelled or dropped. Throws {@link InterruptedException} (flag cleared) if the
   * waiting thread is interrupted; the task is not affected.
   *
   * @return the task's value
   * @throws InterruptedException if interrupted while waiting
   */
  T await() throws InterruptedException;

  /**
   * Cancels the task: removes it from the queue if it has not started (status {@link
   * TaskStatus#CANCELLED} at once), or interrupts it if it runs (it ends {@code CANCELLED} when it
   * stops, and is not retried). Does not wait.
   *
   * @return whether this call cancelled the task; false if it had already ended or been cancelled
   */
  boolean cancel();
}
