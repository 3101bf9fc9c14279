package dev.weft.lincheck;

import static dev.weft.channel.Select.onReceive;
import static dev.weft.channel.Select.onSend;
import static dev.weft.channel.Select.orElse;

import dev.weft.channel.Channel;
import dev.weft.channel.ChannelClosedException;
import dev.weft.channel.Select;
import java.util.ArrayDeque;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link Select} with a default clause over two buffered channels ({@code a} and
 * {@code b}, capacity 1), against {@link Spec}: a select is one atomic step that takes the first
 * ready clause in argument order ({@link Select#selectInOrder}; the fair {@code select} chooses at
 * random among the ready clauses, which no deterministic specification can follow, and {@code
 * SelectTest} checks its fairness), or the default when none is ready; a closed channel counts as
 * ready and makes the select throw. Racing: the two selects (receive from a or b; send to a or b),
 * {@code trySend} to each channel, {@code tryReceive} from b, closing a. Blocking selects are
 * checked in {@link ChannelBlockingLincheckTest}.
 */
public class SelectLincheckTest {

  private final Channel<Integer> a = Channel.buffered("a", 1);
  private final Channel<Integer> b = Channel.buffered("b", 1);

  @Operation
  public String selectReceive() throws InterruptedException {
    try {
      return Select.selectInOrder(
          onReceive(a, x -> "a" + x), onReceive(b, x -> "b" + x), orElse(() -> "none"));
    } catch (ChannelClosedException e) {
      return "closed:" + e.channelName();
    }
  }

  @Operation
  public String selectSend(@Param(gen = IntGen.class, conf = "1:3") int v)
      throws InterruptedException {
    try {
      return Select.selectInOrder(
          onSend(a, v, () -> "a"), onSend(b, v, () -> "b"), orElse(() -> "none"));
    } catch (ChannelClosedException e) {
      return "closed:" + e.channelName();
    }
  }

  @Operation
  public String trySendA(@Param(gen = IntGen.class, conf = "1:3") int v) {
    try {
      return String.valueOf(a.trySend(v));
    } catch (ChannelClosedException e) {
      return "closed:a";
    }
  }

  @Operation
  public boolean trySendB(@Param(gen = IntGen.class, conf = "1:3") int v) {
    return b.trySend(v);
  }

  @Operation
  public String tryReceiveB() {
    return b.tryReceive().map(String::valueOf).orElse("empty");
  }

  @Operation
  public boolean closeA() {
    return a.close();
  }

  @Test
  void modelChecking() {
    // fewer than Checks' defaults: the channel checks together stay within the default suite's
    // time budget for channels; LincheckSoakTest runs the full size
    Checks.model()
        .iterations(3)
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

  /** Two capacity-1 channels and an in-order select, one operation at a time. */
  public static final class Spec {
    private final ArrayDeque<Integer> a = new ArrayDeque<>();
    private final ArrayDeque<Integer> b = new ArrayDeque<>();
    private boolean aClosed;

    public String selectReceive() {
      if (!a.isEmpty()) {
        return "a" + a.poll();
      }
      if (aClosed) {
        return "closed:a";
      }
      if (!b.isEmpty()) {
        return "b" + b.poll();
      }
      return "none";
    }

    public String selectSend(int v) {
      if (aClosed) {
        return "closed:a";
      }
      if (a.isEmpty()) {
        a.add(v);
        return "a";
      }
      if (b.isEmpty()) {
        b.add(v);
        return "b";
      }
      return "none";
    }

    public String trySendA(int v) {
      if (aClosed) {
        return "closed:a";
      }
      if (a.isEmpty()) {
        a.add(v);
        return "true";
      }
      return "false";
    }

    public boolean trySendB(int v) {
      if (b.isEmpty()) {
        b.add(v);
        return true;
      }
      return false;
    }

    public String tryReceiveB() {
      Integer x = b.poll();
      return x == null ? "empty" : String.valueOf(x);
    }

    public boolean closeA() {
      if (aClosed) {
        return false;
      }
      aClosed = true;
      return true;
    }
  }
}
