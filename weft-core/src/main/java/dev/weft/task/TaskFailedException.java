package dev.weft.task;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Wraps a <em>checked</em> exception thrown by a task, naming the task and when it failed: {@code
 * task #3 'load-user' failed after PT0.25S: java.io.IOException: connection reset}. The cause is
 * the task's exception. Unchecked exceptions and errors are never wrapped (they propagate
 * unchanged), and a wrapper is never wrapped again.
 *
 * <p>weft's one unchecked carrier for checked exceptions: streams ({@code dev.weft.stream}), queues
 * and the resilience policies ({@code dev.weft.policy}, message {@code call under policy 'retry'
 * failed: java.io.IOException: ...}, with no index or elapsed time) throw it too, so one {@code
 * catch (TaskFailedException e)} unwraps what any of them ran.
 *
 * <p>Unchecked; immutable apart from the {@link Throwable} machinery.
 *
 * {@snippet :
 * try {
 *   Tasks.all(paths, path -> Files.readString(path));
 * } catch (TaskFailedException e) {
 *   if (e.getCause() instanceof NoSuchFileException missing) { ... }   // e.index() says which path
 * }
 * }
 */
public final class TaskFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int index; // -1 when unknown; the accessor returns OptionalInt
  private final @Nullable String taskName;
  private final @Nullable Duration elapsed;

  /**
   * Creates the wrapper.
   *
   * @param index the task's position in its scope or input, from 0
   * @param taskName the task's name, if it was given one
   * @param elapsed how long after its scope opened the task failed
   * @param cause the task's checked exception
   */
  public TaskFailedException(
      int index, @Nullable String taskName, Duration elapsed, Throwable cause) {
    super(
        describe(index, taskName) + " failed after " + elapsed + ": " + cause,
        Objects.requireNonNull(cause, "cause"));
    this.index = index;
    this.taskName = taskName;
    this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
  }

  /**
   * Creates a wrapper for a failure whose task is not known (such as {@link
   * Settled.Failure#getOrThrow()}).
   *
   * @param message what failed, standing alone in a log
   * @param cause the checked exception
   */
  public TaskFailedException(String message, Throwable cause) {
    super(
        Objects.requireNonNull(message, "message") + ": " + cause,
        Objects.requireNonNull(cause, "cause"));
    this.index = -1;
    this.taskName = null;
    this.elapsed = null;
  }

  /** {@return the task's position in its scope or input, from 0, if known} */
  public OptionalInt index() {
    return index < 0 ? OptionalInt.empty() : OptionalInt.of(index);
  }

  /** {@return the task's name, if it was given one} */
  public Optional<String> taskName() {
    return Optional.ofNullable(taskName);
  }

  /** {@return how long after its scope opened the task failed, if known} */
  public Optional<Duration> elapsed() {
    return Optional.ofNullable(elapsed);
  }

  static String describe(int index, @Nullable String name) {
    return name == null ? "task #" + index : "task #" + index + " '" + name + "'";
  }
}
