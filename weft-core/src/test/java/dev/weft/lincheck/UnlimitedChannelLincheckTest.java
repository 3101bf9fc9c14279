package dev.weft.lincheck;

import dev.weft.channel.Channel;

/**
 * Linearizability of an unlimited {@link Channel}'s non-blocking operations ({@code trySend},
 * {@code tryReceive}, {@code close}, {@code error}, the state queries) against {@link
 * ChannelOperations.Spec}, by model checking and stress. The blocking calls and {@code select} are
 * checked in fixed scenarios by {@link ChannelBlockingLincheckTest} and {@link SelectLincheckTest}.
 */
public class UnlimitedChannelLincheckTest extends ChannelOperations {

  public UnlimitedChannelLincheckTest() {
    super(Channel.unlimited(), Spec.class);
  }

  /** The specification at this channel's capacity. */
  public static final class Spec extends ChannelOperations.Spec {
    public Spec() {
      super(Integer.MAX_VALUE);
    }
  }
}
