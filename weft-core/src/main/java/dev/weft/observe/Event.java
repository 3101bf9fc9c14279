package dev.weft.observe;

import java.time.Duration;

/**
 * Something a weft component did: a task started, a permit was granted, a breaker opened. Each
 * package defines its events as records implementing this interface; a {@link Listener} receives
 * them.
 *
 * <p>Events are immutable values, safe to hand to other threads.
 *
 * <p>An event may also implement the small optional interfaces nested here, so that a generic
 * consumer (the Micrometer binding, a log) can turn any package's events into timers, outcome tags
 * and gauges without knowing their types: {@link Timed} (it closes a span of time), {@link Outcome}
 * (it ended one of a few ways), {@link Gauge} (it reports the current value of a level). A record
 * whose components are named like the interface's methods implements them for free.
 *
 * {@snippet :
 * record PermitGranted(String source, Duration duration) implements Event.Timed {}
 * record TaskFinished(String source, Duration duration, String outcome)
 *     implements Event.Timed, Event.Outcome {}
 * record QueueDepth(String source, double value) implements Event.Gauge {
 *   public String gauge() { return "queue.depth"; }
 * }
 * }
 */
public interface Event {

  /** {@return the name of the component that emitted the event, such as a breaker's name} */
  String source();

  /**
   * An event that closes a span of time: a task finished, a permit was granted after a wait. The
   * Micrometer binding records {@link #duration()} in a timer.
   */
  interface Timed extends Event {
    /** {@return how long the span lasted; never negative} */
    Duration duration();
  }

  /**
   * An event that ended one of a few ways. The outcome becomes a metric tag, so it must come from a
   * small fixed set ({@code success}, {@code failure}, {@code cancelled}, {@code timeout}, {@code
   * rejected}, a state name), never from data such as an exception message.
   */
  interface Outcome extends Event {
    /** {@return the outcome, lower case, from a small fixed set} */
    String outcome();
  }

  /**
   * An event that reports the current value of a level: a queue's depth, permits in use, a
   * breaker's state as a number. The Micrometer binding keeps the latest value per gauge and source
   * in a gauge named {@code weft.} + {@link #gauge()}.
   */
  interface Gauge extends Event {
    /** {@return the gauge's name, dotted lower case, such as {@code queue.depth}} */
    String gauge();

    /** {@return the current value} */
    double value();
  }
}
