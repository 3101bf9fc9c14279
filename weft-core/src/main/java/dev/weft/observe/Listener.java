package dev.weft.observe;

import java.util.List;

/**
 * Receives the {@link Event}s a component emits. Every weft component that has a builder takes one
 * ({@code .listener(...)}), {@link #none()} by default; components check {@link #isNone()} before
 * building an event, so an unobserved component allocates nothing for observability.
 *
 * <p>Implementations must be thread-safe, fast and must not block: they are called on the thread
 * that did the work, often while it holds a permit. An exception thrown by a listener is logged and
 * otherwise ignored; it never fails the call that emitted the event.
 *
 * {@snippet :
 * Listener log = event -> System.err.println(event);
 * }
 */
@FunctionalInterface
public interface Listener {

  /**
   * Receives one event.
   *
   * @param event what happened
   */
  void onEvent(Event event);

  /** {@return whether this is {@link #none()}; emitters skip building events when it is} */
  default boolean isNone() {
    return false;
  }

  /** {@return the listener that ignores everything} */
  static Listener none() {
    return Listeners.NONE;
  }

  /** {@return a listener that hands each event to each of {@code listeners} in order} */
  static Listener all(List<Listener> listeners) {
    List<Listener> copy = listeners.stream().filter(l -> !l.isNone()).toList();
    return switch (copy.size()) {
      case 0 -> none();
      case 1 -> copy.getFirst();
      default -> event -> copy.forEach(l -> Listeners.deliver(l, event));
    };
  }

  /**
   * {@return a listener that logs each event, as its {@code toString()}, at {@code level} on the
   * {@code System.Logger} named {@code dev.weft.events}}; when that level is off, an event costs
   * one {@code isLoggable} check. Meant for debugging and low-rate components: at hot-path rates
   * prefer metrics.
   *
   * @param level the level, typically {@code DEBUG}
   */
  static Listener logging(System.Logger.Level level) {
    return logging(System.getLogger("dev.weft.events"), level);
  }

  /**
   * {@return a listener that logs each event, as its {@code toString()}, at {@code level} on {@code
   * logger}}
   *
   * @param logger where to log
   * @param level the level
   */
  static Listener logging(System.Logger logger, System.Logger.Level level) {
    return Listeners.logging(logger, level);
  }

  /**
   * Delivers {@code event} to {@code listener}, logging (never throwing) what the listener throws.
   * Emitters call this rather than {@link #onEvent} directly.
   *
   * @param listener the receiver
   * @param event what happened
   */
  static void emit(Listener listener, Event event) {
    Listeners.deliver(listener, event);
  }
}
