package dev.weft.policy;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Policies composed outermost first, and the one place that dispatches a call to a policy.
 * Immutable; holds no per-call state.
 */
final class Composed<T> implements Policy<T> {

  private final Policy<?>[] parts;
  private final String name;

  Composed(List<? extends Policy<?>> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("policies must not be empty, was []");
    }
    this.parts = parts.toArray(new Policy<?>[0]);
    StringBuilder s = new StringBuilder("policy[");
    for (int i = 0; i < this.parts.length; i++) {
      s.append(i == 0 ? "" : ", ").append(Objects.requireNonNull(this.parts[i], "policy").name());
    }
    this.name = s.append(']').toString();
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return the parts, outermost first} */
  List<Policy<?>> parts() {
    return List.of(parts);
  }

  @Override
  public String toString() {
    return name;
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    return execute(0, work);
  }

  private @Nullable Object execute(int index, Callable<?> work) throws Exception {
    if (index == parts.length - 1) {
      return dispatch(parts[index], work);
    }
    return dispatch(parts[index], () -> execute(index + 1, work));
  }

  /** Runs {@code work} under {@code policy}, letting checked exceptions through. */
  static @Nullable Object dispatch(Policy<?> policy, Callable<?> work) throws Exception {
    return switch (policy) {
      case Retry<?> r -> r.execute(work);
      case CircuitBreaker b -> b.execute(work);
      case Bulkhead b -> b.execute(work);
      case Timeout t -> t.execute(work);
      case Fallback<?> f -> f.execute(work);
      case Composed<?> c -> c.execute(work);
    };
  }

  /** The public {@code call}: dispatches and makes the failure unchecked. */
  @SuppressWarnings({"unchecked", "NullAway"}) // R is whatever the work returns, null included
  static <R> R call(Policy<?> policy, Callable<R> work) {
    Objects.requireNonNull(work, "work");
    try {
      return (R) dispatch(policy, work);
    } catch (Exception e) {
      throw Calls.unchecked(policy.name(), e);
    }
  }

  /** The canonical order: fallback, retry, breaker, bulkhead, timeout. */
  static int rank(Policy<?> policy) {
    return switch (policy) {
      case Fallback<?> f -> 0;
      case Retry<?> r -> 1;
      case CircuitBreaker b -> 2;
      case Composed<?> c -> 2;
      case Bulkhead b -> 3;
      case Timeout t -> 4;
    };
  }
}
