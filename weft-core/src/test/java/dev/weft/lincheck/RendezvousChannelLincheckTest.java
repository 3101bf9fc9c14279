package dev.weft.lincheck;

import dev.weft.channel.Channel;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of a rendezvous {@link Channel}'s non-blocking operations ({@code trySend},
 * {@code tryReceive}, {@code close}, {@code error}, the state queries) against {@link
 * ChannelOperations.Spec}, by model checking and stress. The blocking calls and {@code select} are
 * checked in fixed scenarios by {@link ChannelBlockingLincheckTest} and {@link SelectLincheckTest}.
 */
public class RendezvousChannelLincheckTest extends ChannelOperations {

  public RendezvousChannelLincheckTest() {
    super(Channel.rendezvous());
  }

  @Test
  void modelChecking() {
    // fewer than Checks' defaults: the channel checks together stay within the default suite's
    // time budget for channels; LincheckSoakTest runs the full size
    Checks.model()
        .iterations(4)
        .invocationsPerIteration(100)
        .sequentialSpecification(Spec.class)
        .check(getClass());
  }

  @Test
  void stress() {
    Checks.stress()
        .iterations(4)
        .invocationsPerIteration(500)
        .sequentialSpecification(Spec.class)
        .check(getClass());
  }

  /** The specification at this channel's capacity. */
  public static final class Spec extends ChannelOperations.Spec {
    public Spec() {
      super(0);
    }
  }
}
