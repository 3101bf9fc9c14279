package dev.weft.task;

import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

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

  /**
   * Runs {@code work} on this thread as a task whose token is {@code token} and whose deadline is
   * {@code deadline} nested within the current one: code inside reads them through this class. The
   * caller keeps the work's cancellation to itself (a timeout cancels {@code token} and interrupts
   * this thread). Used by {@code dev.weft.policy.Timeout} to time work without moving it to another
   * thread.
   *
   * <p>Returns what {@code work} returns and throws what it throws, unchanged.
   *
   * @param token the token the work sees; link it to {@link #token()} to inherit cancellation
   * @param deadline the deadline the work sees, nested within the current one
   * @param work the work
   * @param <T> its result type
   * @return the work's result
   * @throws Exception what the work throws
   */
  public static <T extends @Nullable Object> T callWithin(
      CancellationToken token, Deadline deadline, Callable<? extends T> work) throws Exception {
    Context parent = current();
    Context child =
        new Context(token, deadline.earlier(parent.deadline()), parent.time(), parent.propagator());
    return ScopedValue.where(CURRENT, child).call(work::call);
  }

  static Context current() {
    return CURRENT.orElse(Context.ROOT);
  }
}
