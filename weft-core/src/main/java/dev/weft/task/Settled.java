package dev.weft.task;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one task ended: {@link Success} with its value or {@link Failure} with its exception (a
 * cancelled task is a failure whose cause is a {@link CancelledException}). {@link
 * Tasks#allSettled} returns one per task, in input order. Sealed, so a {@code switch} over it needs
 * no default:
 *
 * {@snippet :
 * for (Settled<User> s : Tasks.allSettled(ids, id -> api.user(id))) {
 *   switch (s) {
 *     case Settled.Success<User>(User user) -> show(user);
 *     case Settled.Failure<User>(Throwable cause) -> log.warn("skipped", cause);
 *   }
 * }
 * }
 *
 * <p>Immutable records; thread-safe if the value is.
 *
 * @param <T> the type of the value
 */
public sealed interface Settled<T extends @Nullable Object> {

  /** {@return whether this is a {@link Success}} */
  boolean isSuccess();

  /**
   * {@return the value of a success}
   *
   * @throws RuntimeException the failure's cause, unchanged if unchecked, else wrapped in a {@link
   *     TaskFailedException}
   */
  T getOrThrow();

  /**
   * {@return a success holding {@code value}}
   *
   * @param <T> the type of the value
   */
  static <T extends @Nullable Object> Settled<T> success(T value) {
    return new Success<>(value);
  }

  /**
   * {@return a failure holding {@code cause}}
   *
   * @param <T> the type the value would have had
   */
  static <T extends @Nullable Object> Settled<T> failure(Throwable cause) {
    return new Failure<>(cause);
  }

  /**
   * A task that returned.
   *
   * @param value what it returned (may be {@code null} if the task's type allows it)
   * @param <T> the type of the value
   */
  record Success<T extends @Nullable Object>(T value) implements Settled<T> {
    @Override
    public boolean isSuccess() {
      return true;
    }

    @Override
    public T getOrThrow() {
      return value;
    }
  }

  /**
   * A task that threw or was cancelled.
   *
   * @param cause what it threw, exactly (checked exceptions are not wrapped here)
   * @param <T> the type the value would have had
   */
  record Failure<T extends @Nullable Object>(Throwable cause) implements Settled<T> {
    /** Validates the cause. */
    public Failure {
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public boolean isSuccess() {
      return false;
    }

    @Override
    public T getOrThrow() {
      if (cause instanceof RuntimeException e) {
        throw e;
      }
      if (cause instanceof Error e) {
        throw e;
      }
      throw new TaskFailedException("a settled task failed", cause);
    }
  }
}
