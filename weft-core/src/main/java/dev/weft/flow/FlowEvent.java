package dev.weft.flow;

import dev.weft.observe.Event;
import java.time.Duration;

/**
 * The events flow-control components emit to the {@link dev.weft.observe.Listener} given to their
 * builder. Components build events only when a listener is set, so an unobserved limiter allocates
 * nothing for them.
 *
 * <p>Immutable values, safe to hand to other threads.
 */
public sealed interface FlowEvent extends Event {

  /**
   * A caller gave up waiting for permits because its timeout passed.
   *
   * @param source the component's name
   * @param permits how many permits it asked for
   * @param waited how long it waited
   */
  record TimedOut(String source, int permits, Duration waited) implements FlowEvent {}

  /**
   * The limit changed, by hand or by an adaptive algorithm.
   *
   * @param source the component's name
   * @param from the old limit
   * @param to the new limit
   */
  record LimitChanged(String source, int from, int to) implements FlowEvent {}

  /**
   * Callers waiting for permits were sent away by {@link Limiter#clearPending()}.
   *
   * @param source the component's name
   * @param count how many were waiting
   */
  record PendingCleared(String source, int count) implements FlowEvent {}

  /**
   * A permit acquired by hand was garbage-collected without being released (reported only when leak
   * tracking is on). The permits were given back.
   *
   * @param source the component's name
   * @param permits how many permits leaked
   * @param thread the name of the thread that acquired them
   * @param acquiredAt a throwable whose stack trace shows where they were acquired
   */
  record PermitLeaked(String source, int permits, String thread, Throwable acquiredAt)
      implements FlowEvent {}

  /**
   * Idle keys were evicted from a keyed limiter.
   *
   * @param source the component's name
   * @param evicted how many keys were removed
   * @param remaining how many keys are left
   */
  record KeysEvicted(String source, int evicted, int remaining) implements FlowEvent {}
}
