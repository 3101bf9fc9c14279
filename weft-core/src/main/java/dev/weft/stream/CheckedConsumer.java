package dev.weft.stream;

/**
 * An action on one element that may throw. Checked exceptions it throws are wrapped in {@link
 * dev.weft.task.TaskFailedException}; unchecked ones propagate unchanged.
 *
 * @param <T> the input
 */
@FunctionalInterface
public interface CheckedConsumer<T> {

  /**
   * Runs the action.
   *
   * @param input the element
   * @throws Exception whatever the action throws
   */
  void accept(T input) throws Exception;
}
