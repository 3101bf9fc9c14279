package dev.weft.lincheck;

import dev.weft.channel.Channel;
import dev.weft.channel.ChannelClosedException;
import java.util.ArrayDeque;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * The non-blocking operations of one {@link Channel}, shared by the per-kind Lincheck tests ({@link
 * RendezvousChannelLincheckTest}, {@link BufferedChannelLincheckTest}, {@link
 * UnlimitedChannelLincheckTest}), and {@link Spec}, the channel as its javadoc describes it: a FIFO
 * of at most {@code capacity} elements (a rendezvous channel's non-blocking calls never meet a
 * waiting counterpart here, so it holds none); {@code close} stops sends and lets receivers drain;
 * {@code error} discards the buffer and fails everything after; {@code close} and {@code error}
 * report whether they closed the channel. Outcomes are strings so that a closed end ({@code
 * "closed"}) and a failure ({@code "failed"}) are told apart.
 */
public abstract class ChannelOperations {

  private final Channel<Integer> channel;
  private final Class<? extends Spec> spec;

  ChannelOperations(Channel<Integer> channel, Class<? extends Spec> spec) {
    this.channel = channel;
    this.spec = spec;
  }

  @Test
  void modelChecking() {
    // fewer than Checks' defaults: the channel checks together stay within the default suite's
    // time budget for channels; LincheckSoakTest runs the full size
    Checks.model()
        .iterations(4)
        .invocationsPerIteration(100)
        .sequentialSpecification(spec)
        .check(getClass());
  }

  @Test
  void stress() {
    Checks.stress()
        .iterations(4)
        .invocationsPerIteration(500)
        .sequentialSpecification(spec)
        .check(getClass());
  }

  @Operation
  public String trySend(@Param(gen = IntGen.class, conf = "1:3") int value) {
    try {
      return String.valueOf(channel.trySend(value));
    } catch (ChannelClosedException e) {
      return outcome(e);
    }
  }

  @Operation
  public String tryReceive() {
    try {
      Optional<Integer> r = channel.tryReceive();
      return r.map(String::valueOf).orElse("empty");
    } catch (ChannelClosedException e) {
      return outcome(e);
    }
  }

  @Operation
  public boolean close() {
    return channel.close();
  }

  @Operation
  public boolean error() {
    return channel.error(new IllegalStateException("boom"));
  }

  @Operation
  public int size() {
    return channel.size();
  }

  @Operation
  public boolean isClosedForReceive() {
    return channel.isClosedForReceive();
  }

  @Operation
  public boolean isClosedForSend() {
    return channel.isClosedForSend();
  }

  static String outcome(ChannelClosedException e) {
    return e.isFailure() ? "failed" : "closed";
  }

  /** A channel of {@code capacity}, one operation at a time. */
  public abstract static class Spec {
    private final int capacity;
    private final ArrayDeque<Integer> buffer = new ArrayDeque<>();
    private boolean closed;
    private boolean failed;

    Spec(int capacity) {
      this.capacity = capacity;
    }

    public String trySend(int value) {
      if (failed) {
        return "failed";
      }
      if (closed) {
        return "closed";
      }
      if (buffer.size() >= capacity) {
        return "false";
      }
      buffer.add(value);
      return "true";
    }

    public String tryReceive() {
      if (failed) {
        return "failed";
      }
      Integer x = buffer.poll();
      if (x != null) {
        return String.valueOf(x);
      }
      return closed ? "closed" : "empty";
    }

    public boolean close() {
      if (closed) {
        return false;
      }
      closed = true;
      return true;
    }

    public boolean error() {
      if (closed) {
        return false;
      }
      closed = true;
      failed = true;
      buffer.clear();
      return true;
    }

    public int size() {
      return buffer.size();
    }

    public boolean isClosedForReceive() {
      return closed && buffer.isEmpty();
    }

    public boolean isClosedForSend() {
      return closed;
    }
  }
}
