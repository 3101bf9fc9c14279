package dev.weft.task;

import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
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
        new Context(
            token,
            deadline.earlier(parent.deadline()),
            parent.time(),
            parent.propagator(),
            parent.scope());
    return ScopedValue.where(CURRENT, child).call(work::call);
  }

  /**
   * {@return {@code task} bound to the calling task's context, to run later on another thread as if
   * it had been forked from here} For long-lived services that run work on their own threads (a
   * {@code TaskQueue}'s workers, a cache's loader): the returned callable, on whichever thread
   * calls it, sees this caller's {@linkplain #token() token}, {@linkplain #deadline() deadline} and
   * time source through this class, and runs inside the context the enclosing scope's {@link
   * ContextPropagator} captures now, on this thread. It does not link cancellation: a service that
   * must stop the work when this caller is cancelled registers on {@link #token()} itself.
   *
   * <p>The returned callable returns what {@code task} returns and throws what it throws,
   * unchanged. Call it once; each call runs {@code task} inside the context captured here.
   *
   * @param task the work to run later
   * @param <T> its result type
   */
  @SuppressWarnings("ReferenceEquality") // ROOT is the one context of no task
  public static <T extends @Nullable Object> Callable<T> carry(Callable<? extends T> task) {
    Objects.requireNonNull(task, "task");
    Context captured = current();
    ContextPropagator propagator = DefaultPropagator.orDefault(captured.propagator());
    if (captured == Context.ROOT && propagator == null) {
      @SuppressWarnings("unchecked")
      Callable<T> same = (Callable<T>) task;
      return same;
    }
    if (propagator == null) {
      return () -> ScopedValue.where(CURRENT, captured).call(task::call);
    }
    Carried<T> carried = new Carried<>(task);
    Runnable wrapped = propagator.wrap(carried::runBody);
    return () -> ScopedValue.where(CURRENT, captured).call(() -> carried.run(wrapped));
  }

  /** A task run inside a propagator's wrapping, which only takes a {@code Runnable}. */
  private static final class Carried<T extends @Nullable Object> {
    private final Callable<? extends T> task;
    private @Nullable T value;
    private @Nullable Throwable failure;
    private boolean ran;

    Carried(Callable<? extends T> task) {
      this.task = task;
    }

    void runBody() {
      ran = true;
      try {
        value = task.call();
      } catch (Throwable t) {
        failure = t;
      }
    }

    @SuppressWarnings("NullAway") // value is the task's own T
    T run(Runnable wrapped) throws Exception {
      ran = false;
      failure = null;
      wrapped.run();
      Throwable t = failure;
      if (t != null) {
        throw Carried.<Exception>sneaky(t);
      }
      if (!ran) {
        throw new IllegalStateException("the ContextPropagator did not run the carried task");
      }
      return value;
    }

    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // rethrows t as it is
    private static <X extends Throwable> X sneaky(Throwable t) throws X {
      throw (X) t;
    }
  }

  static Context current() {
    return CURRENT.orElse(Context.ROOT);
  }
}
