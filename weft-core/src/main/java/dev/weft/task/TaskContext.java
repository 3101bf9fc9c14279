package dev.weft.task;

import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;

/**
 * What running code reads about the task it runs in: its cancellation {@linkplain #token() token},
 * its {@linkplain #deadline() deadline} and the {@linkplain #remaining() time left}. weft binds
 * these through a {@link ScopedValue} in every fork it starts (the JDK carries bindings only into
 * its own preview scopes, so weft re-binds them); outside any fork, the token is {@link
 * CancellationToken#none()} and the deadline {@link Deadline#never()}.
 *
 * <p>Stateless and thread-safe: each method reads the calling thread's binding.
 *
 * {@snippet :
 * List<Row> load(String sql) throws SQLException {
 *   TaskContext.throwIfCancelled();
 *   statement.setQueryTimeout((int) Math.max(1, TaskContext.remaining().toSeconds()));
 *   return query(statement, sql);
 * }
 * }
 */
public final class TaskContext {

  static final ScopedValue<Context> CURRENT = ScopedValue.newInstance();

  private TaskContext() {}

  /**
   * {@return the cancellation token of the task this thread runs, or {@link
   * CancellationToken#none()}}
   */
  public static CancellationToken token() {
    return current().token();
  }

  /** {@return the deadline of the task this thread runs, or {@link Deadline#never()}} */
  public static Deadline deadline() {
    return current().deadline();
  }

  /**
   * {@return the time left before the current deadline, {@link Duration#ZERO} once passed, very
   * long when there is none}
   */
  public static Duration remaining() {
    return current().deadline().remaining();
  }

  /** {@return the time source of the enclosing scope ({@link TimeSource#system()} outside one)} */
  public static TimeSource timeSource() {
    return current().time();
  }

  /** {@return whether the task this thread runs has been cancelled} */
  public static boolean isCancelled() {
    return current().token().isCancelled();
  }

  /**
   * Returns normally unless the current task has been cancelled.
   *
   * @throws CancelledException if the current token is cancelled (see {@link
   *     CancellationToken#throwIfCancelled()})
   */
  public static void throwIfCancelled() {
    current().token().throwIfCancelled();
  }

  static Context current() {
    return CURRENT.orElse(Context.ROOT);
  }
}
