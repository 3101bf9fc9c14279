package dev.weft.spring;

import java.util.function.Supplier;

/** Turns a builder's rejection into one line that names the property prefix. Stateless. */
final class PolicyBinding {

  private PolicyBinding() {}

  /**
   * {@return what {@code build} returns}
   *
   * @throws IllegalArgumentException {@code prefix + ": " + the builder's message}
   */
  static <T> T bind(String prefix, Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException(prefix + ": " + e.getMessage(), e);
    }
  }
}
