package dev.weft.flow;

/**
 * A unit of work that returns a value and may throw {@code X}. Flow-control methods take this
 * rather than {@link java.util.concurrent.Callable} so that what the work throws passes through
 * unchanged and the compiler still knows its type: a lambda that throws nothing needs no {@code
 * catch}, one that throws {@code SQLException} makes the call throw {@code SQLException}.
 *
 * {@snippet :
 * Rows rows = permits.use(() -> jdbc.query(sql)); // throws SQLException, InterruptedException
 * }
 *
 * @param <T> the result type
 * @param <X> what the work may throw
 */
@FunctionalInterface
public interface ThrowingCallable<T, X extends Exception> {

  /**
   * Does the work.
   *
   * @return the result
   * @throws X when the work fails
   */
  T call() throws X;
}
