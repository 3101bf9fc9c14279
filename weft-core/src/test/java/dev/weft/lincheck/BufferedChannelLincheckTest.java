package dev.weft.lincheck;

import dev.weft.channel.Channel;

/**
 * Linearizability of a buffered {@link Channel}'s non-blocking operations ({@code trySend}, {@code
 * tryReceive}, {@code close}, {@code error}, the state queries) against {@link
 * ChannelOperations.Spec}, by model checking and stress. The blocking calls and {@code select} are
 * checked in fixed scenarios by {@link ChannelBlockingLincheckTest} and {@link SelectLincheckTest}.
 */
public class BufferedChannelLincheckTest extends ChannelOperations {

  public BufferedChannelLincheckTest() {
    super(Channel.buffered(2), Spec.class);
  }

  /** The specification at this channel's capacity. */
  public static final class Spec extends ChannelOperations.Spec {
    public Spec() {
      super(2);
    }
  }
}
