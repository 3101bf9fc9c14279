package dev.weft.observe;

/**
 * Something a weft component did: a task started, a permit was granted, a breaker opened. Each
 * package defines its events as records implementing this interface; a {@link Listener} receives
 * them.
 *
 * <p>Events are immutable values, safe to hand to other threads.
 */
public interface Event {

  /** {@return the name of the component that emitted the event, such as a breaker's name} */
  String source();
}
