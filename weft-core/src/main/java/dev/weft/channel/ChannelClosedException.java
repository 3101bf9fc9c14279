package dev.weft.channel;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by a channel operation that cannot happen because the channel is closed: a send to a
 * channel that was {@linkplain SendChannel#close() closed} or {@linkplain
 * SendChannel#error(Throwable) failed}; a receive from a closed channel once its buffer is drained
 * (the clear end of the stream, with no cause); any operation on a failed channel (the cause is the
 * failure given to {@code error}). The message names the channel: {@code channel 'jobs' is closed
 * and drained}.
 *
 * <p>Unchecked; immutable apart from the {@link Throwable} machinery.
 *
 * {@snippet :
 * try {
 *   while (true) handle(jobs.receive());
 * } catch (ChannelClosedException end) {
 *   if (end.getCause() != null) throw end;   // the producer failed
 * }
 * }
 */
public final class ChannelClosedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String channelName;

  /**
   * Creates the exception.
   *
   * @param channelName the channel's name
   * @param message what was refused and why, standing alone in a log
   * @param cause the failure the channel was closed with, or {@code null} when it was closed
   *     normally
   */
  public ChannelClosedException(String channelName, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.channelName = Objects.requireNonNull(channelName, "channelName");
  }

  /** {@return the name of the channel that was closed} */
  public String channelName() {
    return channelName;
  }

  /** {@return whether the channel was closed by a failure ({@code error}) rather than normally} */
  public boolean isFailure() {
    return getCause() != null;
  }
}
