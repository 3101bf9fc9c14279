package dev.weft.channel;

import dev.weft.time.TimeSource;
import java.time.Duration;

/** Waits, by polling with a deadline on the real clock, until threads are blocked on a channel. */
final class Blocked {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private Blocked() {}

  static void receivers(Channel<?> channel, int count) {
    ChannelImpl<?> ch = (ChannelImpl<?>) channel;
    await(() -> ch.waitingReceivers() == count, channel + ": " + count + " waiting receivers");
  }

  static void senders(Channel<?> channel, int count) {
    ChannelImpl<?> ch = (ChannelImpl<?>) channel;
    await(() -> ch.waitingSenders() == count, channel + ": " + count + " waiting senders");
  }

  private static void await(java.util.function.BooleanSupplier done, String what) {
    TimeSource time = TimeSource.system();
    long end = time.readAfter(PATIENCE);
    while (!done.getAsBoolean()) {
      if (time.read() - end >= 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.yield();
    }
  }
}
