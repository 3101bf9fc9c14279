package dev.weft.task;

import org.jspecify.annotations.Nullable;

/**
 * A task forked into a {@link Scope}: its position, its name, and once the scope has been joined,
 * its outcome. Obtained from {@link Scope#fork(Callable)}; read it after {@link Scope#join()}.
 *
 * <p>Thread-safe. Memory consistency effects: actions of the task happen-before {@link #get()}
 * returns in a thread that observed the task as settled (the owner after {@code join()}).
 *
 * {@snippet :
 * try (var scope = Scope.open()) {
 *   Fork<User> user = scope.fork(() -> api.user(id));
 *   Fork<List<Order>> orders = scope.fork(() -> api.orders(id));
 *   scope.join();
 *   return new Page(user.get(), orders.get());
 * }
 * }
 *
 * @param <T> the type of the task's result
 */
public sealed interface Fork<T extends @Nullable Object> permits ForkImpl {

  /** How a fork stands. */
  enum State {
    /** Not settled yet: forked, maybe not started, maybe running. */
    RUNNING,
    /** Returned a value. */
    SUCCEEDED,
    /** Threw an exception that was not the result of cancellation. */
    FAILED,
    /** Cancelled before it started, or stopped by cancellation (interrupt or token). */
    CANCELLED
  }

  /** {@return the fork's position in its scope, from 0, in forking order} */
  int index();

  /** {@return the fork's name if it was given one, else {@code "task #<index>"}} */
  String name();

  /** {@return how the fork stands now} */
  State state();

  /**
   * {@return the task's value}
   *
   * <p>Returns the value if the task succeeded. Otherwise throws: what the task threw, unchanged if
   * it is unchecked; a {@link TaskFailedException} wrapping it if it is checked; a {@link
   * CancelledException} if the task was cancelled.
   *
   * @throws IllegalStateException if the fork has not settled (call {@link Scope#join()} first)
   */
  T get();

  /**
   * {@return the task's outcome as a value: a success, or a failure holding exactly what it threw
   * (a {@link CancelledException} if it was cancelled)}
   *
   * @throws IllegalStateException if the fork has not settled (call {@link Scope#join()} first)
   */
  Settled<T> settled();
}
