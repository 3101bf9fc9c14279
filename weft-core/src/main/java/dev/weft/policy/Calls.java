package dev.weft.policy;

import dev.weft.task.CancelledException;
import dev.weft.task.TaskFailedException;

/** How policies turn what work threw into what their unchecked {@code call} throws. */
final class Calls {

  private Calls() {}

  /**
   * Returns {@code failure} unchanged if it is unchecked, throws it if it is an {@link Error}, and
   * otherwise wraps it: an {@link InterruptedException} becomes a {@link CancelledException} (a
   * {@link java.util.concurrent.CancellationException}) with the interrupt flag re-asserted, any
   * other checked exception a {@link TaskFailedException}.
   */
  static RuntimeException unchecked(String policy, Throwable failure) {
    if (failure instanceof RuntimeException r) {
      return r;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return interrupted(policy, failure);
    }
    return new TaskFailedException("call under policy '" + policy + "' failed", failure);
  }

  /** {@return an exception saying the thread was interrupted inside {@code policy}} */
  static CancelledException interrupted(String policy, Throwable cause) {
    return new CancelledException("call under policy '" + policy + "' was interrupted", cause);
  }

  /** {@return an exception saying the thread was interrupted inside {@code policy}} */
  static CancelledException interrupted(String policy) {
    return new CancelledException("call under policy '" + policy + "' was interrupted");
  }

  static String requireName(String name) {
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    return name;
  }
}
