package dev.weft.flow;

/**
 * A function from {@code T} to {@code R} that may throw {@code X}; see {@link ThrowingCallable}.
 *
 * @param <T> the input type
 * @param <R> the result type
 * @param <X> what the function may throw
 */
@FunctionalInterface
public interface ThrowingFunction<T, R, X extends Exception> {

  /**
   * Applies the function.
   *
   * @param input the input
   * @return the result
   * @throws X when the function fails
   */
  R apply(T input) throws X;
}
