package dev.weft.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A resilience policy that runs work: a {@link Retry}, a {@link CircuitBreaker}, a {@link
 * Bulkhead}, a {@link Timeout}, a {@link Fallback}, or several of them composed with {@link
 * #of(Policy...)}, outermost first.
 *
 * <p>Every policy is safe to share across threads: the configuration is immutable and per-call
 * state lives on the caller's stack, never in the policy; the live state some policies need (a
 * breaker's window, a bulkhead's permits) is kept in thread-safe objects that all calls share on
 * purpose.
 *
 * {@snippet :
 * Policy<Response> policy = Policy.of(
 *     Fallback.to(Response.EMPTY),
 *     Retry.builder().maxAttempts(5).retryOn(IOException.class).build(),
 *     CircuitBreaker.builder().name("payments").failureRate(0.5).build(),
 *     Timeout.of(Duration.ofSeconds(2)));
 * Response response = policy.call(() -> client.send(request));
 * }
 *
 * <p>What {@code call} throws: what the work or a policy threw, unchanged when unchecked; a checked
 * exception wrapped in {@link dev.weft.task.TaskFailedException}; an interrupt as {@link
 * dev.weft.task.CancelledException} (a {@code CancellationException}, as from every weft call) with
 * the interrupt flag set again. Policies add their own: {@link RetriesExhaustedException}, {@link
 * CircuitOpenException}, {@link BulkheadFullException}, {@link
 * dev.weft.task.DeadlineExceededException} (from a {@link Timeout}).
 *
 * @param <T> the results this policy accepts; {@code Object} for policies that do not look at
 *     results
 */
public sealed interface Policy<T>
    permits Retry, CircuitBreaker, Bulkhead, Timeout, Fallback, Composed {

  /** {@return the name that events and exception messages use} */
  String name();

  /**
   * Runs {@code work} under this policy and returns its result (or a fallback's).
   *
   * <p>Blocks while the work and the policy's waits run. Returns the result; throws as the type's
   * documentation says. On interrupt the waits stop and a {@link dev.weft.task.CancelledException}
   * is thrown with the interrupt flag set.
   *
   * @param work the work; called once per attempt, on the caller's thread unless a policy says
   *     otherwise
   * @param <R> the result type
   * @return what the work returned, or a fallback's value
   */
  default <R extends T> R call(Callable<R> work) {
    return Composed.call(this, work);
  }

  /**
   * Runs {@code work} under this policy, as {@link #call(Callable)} does.
   *
   * @param work the work
   */
  default void run(Runnable work) {
    Objects.requireNonNull(work, "work");
    Composed.call(
        this,
        () -> {
          work.run();
          return Boolean.TRUE;
        });
  }

  /**
   * Composes policies, the first outermost: {@code of(a, b, c).call(w)} runs {@code a} around
   * {@code b} around {@code c} around {@code w}. The composition holds no state of its own, so it
   * is as shareable as its parts.
   *
   * <pre>
   *   caller ─▶ a ─▶ b ─▶ c ─▶ work
   *   caller ◀─ a ◀─ b ◀─ c ◀─ result or failure
   * </pre>
   *
   * @param policies the policies, outermost first; at least one
   * @param <T> the result type the composition accepts
   * @return the composition
   * @throws IllegalArgumentException if {@code policies} is empty
   */
  @SafeVarargs
  static <T> Policy<T> of(Policy<? super T>... policies) {
    List<Policy<?>> list = new ArrayList<>(policies.length);
    for (Policy<?> p : policies) {
      list.add(Objects.requireNonNull(p, "policy"));
    }
    return new Composed<>(list);
  }

  /**
   * Composes policies in the canonical order, whatever order they are given in: {@link Fallback}
   * outermost, then {@link Retry}, {@link CircuitBreaker}, {@link Bulkhead}, and {@link Timeout}
   * innermost (policies of one kind keep their relative order). See {@code docs/policy.md}, "which
   * policy order?".
   *
   * @param policies the policies, in any order; at least one
   * @param <T> the result type the composition accepts
   * @return the composition
   * @throws IllegalArgumentException if {@code policies} is empty
   */
  @SafeVarargs
  static <T> Policy<T> ordered(Policy<? super T>... policies) {
    List<Policy<?>> list = new ArrayList<>(policies.length);
    for (Policy<?> p : policies) {
      list.add(Objects.requireNonNull(p, "policy"));
    }
    list.sort(Comparator.comparingInt(Composed::rank));
    return new Composed<>(list);
  }
}
