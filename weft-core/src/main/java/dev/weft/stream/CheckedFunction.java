package dev.weft.stream;

/**
 * A function that may throw, so that blocking code ({@code id -> api.user(id)}) can be passed as
 * is. Checked exceptions it throws are wrapped in {@link ElementException}; unchecked ones
 * propagate unchanged.
 *
 * @param <T> the input
 * @param <R> the result
 */
@FunctionalInterface
public interface CheckedFunction<T, R> {

  /**
   * Applies the function.
   *
   * @param input the element
   * @return the result
   * @throws Exception whatever the function throws
   */
  R apply(T input) throws Exception;
}
