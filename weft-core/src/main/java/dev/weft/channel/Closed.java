package dev.weft.channel;

import org.jspecify.annotations.Nullable;

/**
 * How a channel was closed: normally ({@code cause == null}) or with a failure. Also the marker a
 * closing channel hands to its waiters' {@link Node#item}. Immutable.
 */
final class Closed {
  final @Nullable Throwable cause;

  Closed(@Nullable Throwable cause) {
    this.cause = cause;
  }

  ChannelClosedException forSend(String name) {
    return cause == null
        ? new ChannelClosedException(name, "channel '" + name + "' is closed; cannot send", null)
        : new ChannelClosedException(
            name, "channel '" + name + "' failed: " + cause + "; cannot send", cause);
  }

  ChannelClosedException forReceive(String name) {
    return cause == null
        ? new ChannelClosedException(name, "channel '" + name + "' is closed and drained", null)
        : new ChannelClosedException(name, "channel '" + name + "' failed: " + cause, cause);
  }
}
