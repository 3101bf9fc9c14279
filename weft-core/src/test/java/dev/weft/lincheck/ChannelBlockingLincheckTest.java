package dev.weft.lincheck;

import static dev.weft.channel.Select.onReceive;
import static dev.weft.channel.Select.onSend;

import dev.weft.channel.Channel;
import dev.weft.channel.ChannelClosedException;
import dev.weft.channel.Select;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the blocking calls — {@code send}, {@code receive} and blocking selects —
 * against {@link Spec}, in fixed scenarios in which every blocked call is eventually completed (a
 * generated scenario may leave a receiver waiting for ever, a correct hang, as {@code
 * docs/checked-primitives.md} explains). Channels: {@code r}, a rendezvous channel; {@code x} and
 * {@code y}, capacity 1. A blocking call linearizes when it completes; the specification lets it
 * complete only when it could without waiting (a send to a full channel, a receive from an empty
 * open one, throw there and so reject that order). For {@code r} the specification holds at most
 * one element (a rendezvous send linearizes just before the receive that takes it), which admits
 * every correct history and rejects one that loses, duplicates or reorders an element or lets a
 * call return before its counterpart came. Selects here run in argument order over {@code x, y}
 * (buffered, so exact), or over {@code r} and a channel no counterpart ever uses (so two selects
 * must meet on {@code r}: the select-to-select hand-over).
 *
 * <p>Sizes: 60 interleavings and 100 stress runs per scenario here, 33 and 100 times that in {@link
 * LincheckSoakTest}. Model checking explores the interleavings; stress runs them on real threads,
 * which is what catches a lost wake-up (Lincheck's model checker lets a park return spuriously).
 */
public class ChannelBlockingLincheckTest {

  private final Channel<Integer> r = Channel.buffered("r", 0);
  private final Channel<Integer> x = Channel.buffered("x", 1);
  private final Channel<Integer> y = Channel.buffered("y", 1);
  private final Channel<Integer> nobodyReceives = Channel.buffered("out", 0);
  private final Channel<Integer> nobodySends = Channel.buffered("in", 0);

  @Operation(blocking = true)
  public String sendR(int v) throws InterruptedException {
    return send(r, v);
  }

  @Operation(blocking = true)
  public String receiveR() throws InterruptedException {
    return receive(r);
  }

  @Operation
  public boolean closeR() {
    return r.close();
  }

  @Operation(blocking = true)
  public String sendX(int v) throws InterruptedException {
    return send(x, v);
  }

  @Operation(blocking = true)
  public String sendY(int v) throws InterruptedException {
    return send(y, v);
  }

  @Operation(blocking = true)
  public String receiveX() throws InterruptedException {
    return receive(x);
  }

  @Operation(blocking = true)
  public String receiveY() throws InterruptedException {
    return receive(y);
  }

  @Operation
  public boolean closeX() {
    return x.close();
  }

  @Operation(blocking = true)
  public String selectReceiveXY() throws InterruptedException {
    try {
      return Select.selectInOrder(onReceive(x, v -> "x" + v), onReceive(y, v -> "y" + v));
    } catch (ChannelClosedException e) {
      return "closed:" + e.channelName();
    }
  }

  @Operation(blocking = true)
  public String selectSendXY(int v) throws InterruptedException {
    return Select.selectInOrder(onSend(x, v, () -> "x"), onSend(y, v, () -> "y"));
  }

  @Operation(blocking = true)
  public String selectSendR(int v) throws InterruptedException {
    return Select.selectInOrder(onSend(r, v, () -> "r"), onSend(nobodyReceives, v, () -> "out"));
  }

  @Operation(blocking = true)
  public String selectReceiveR() throws InterruptedException {
    return Select.selectInOrder(onReceive(r, v -> "r" + v), onReceive(nobodySends, v -> "in" + v));
  }

  private static String send(Channel<Integer> ch, int v) throws InterruptedException {
    try {
      ch.send(v);
      return "sent";
    } catch (ChannelClosedException e) {
      return "closed";
    }
  }

  private static String receive(Channel<Integer> ch) throws InterruptedException {
    try {
      return String.valueOf(ch.receive());
    } catch (ChannelClosedException e) {
      return "closed";
    }
  }

  @Test
  void modelChecking() {
    ModelCheckingOptions options =
        new ModelCheckingOptions().iterations(0).invocationsPerIteration(60);
    scenarios().forEach(options::addCustomScenario);
    options.sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    StressOptions options = new StressOptions().iterations(0).invocationsPerIteration(100);
    scenarios().forEach(options::addCustomScenario);
    options.sequentialSpecification(Spec.class).check(getClass());
  }

  static List<ExecutionScenario> scenarios() {
    return List.of(
        parallel(List.of(a("sendR", 1)), List.of(a("receiveR"))),
        parallel(List.of(a("sendR", 1), a("sendR", 2)), List.of(a("receiveR"), a("receiveR"))),
        parallel(
            List.of(a("sendR", 1)), List.of(a("sendR", 2)), List.of(a("receiveR"), a("receiveR"))),
        parallel(List.of(a("sendR", 1)), List.of(a("receiveR")), List.of(a("closeR"))),
        parallel(
            List.of(a("sendX", 1), a("sendX", 2), a("sendX", 3)),
            List.of(a("receiveX"), a("receiveX"), a("receiveX"))),
        parallel(List.of(a("selectReceiveXY")), List.of(a("sendX", 1))),
        parallel(
            List.of(a("selectReceiveXY"), a("selectReceiveXY")),
            List.of(a("sendX", 1)),
            List.of(a("sendY", 2))),
        parallel(
            List.of(a("selectSendXY", 1), a("selectSendXY", 2), a("selectSendXY", 3)),
            List.of(a("receiveX"), a("receiveY"))),
        parallel(List.of(a("selectReceiveXY")), List.of(a("closeX"))),
        parallel(List.of(a("selectSendR", 1)), List.of(a("selectReceiveR"))),
        parallel(List.of(a("selectSendR", 1)), List.of(a("receiveR"))),
        parallel(List.of(a("sendR", 1)), List.of(a("selectReceiveR"))));
  }

  @SafeVarargs
  private static ExecutionScenario parallel(List<Actor>... threads) {
    return new ExecutionScenario(List.of(), Arrays.asList(threads), List.of(), null);
  }

  private static Actor a(String name, int v) {
    return new Actor(method(name, int.class), List.of(v), false, true, false, false, false);
  }

  private static Actor a(String name) {
    boolean blocking = !name.startsWith("close");
    return new Actor(method(name), List.of(), false, blocking, false, false, false);
  }

  private static Method method(String name, Class<?>... parameters) {
    try {
      return ChannelBlockingLincheckTest.class.getMethod(name, parameters);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  /** The channels, one operation at a time; a call that would wait throws, rejecting the order. */
  public static final class Spec {
    private final Queue r = new Queue();
    private final Queue x = new Queue();
    private final Queue y = new Queue();

    public String sendR(int v) {
      return r.send(v);
    }

    public String receiveR() {
      return r.receive();
    }

    public boolean closeR() {
      return r.close();
    }

    public String sendX(int v) {
      return x.send(v);
    }

    public String sendY(int v) {
      return y.send(v);
    }

    public String receiveX() {
      return x.receive();
    }

    public String receiveY() {
      return y.receive();
    }

    public boolean closeX() {
      return x.close();
    }

    public String selectReceiveXY() {
      if (x.ready()) {
        String got = x.receive();
        return got.equals("closed") ? "closed:x" : "x" + got;
      }
      if (y.ready()) {
        return "y" + y.receive();
      }
      throw new IllegalStateException("select would wait");
    }

    public String selectSendXY(int v) {
      if (x.hasRoom()) {
        x.send(v);
        return "x";
      }
      if (y.hasRoom()) {
        y.send(v);
        return "y";
      }
      throw new IllegalStateException("select would wait");
    }

    public String selectSendR(int v) {
      r.send(v);
      return "r";
    }

    public String selectReceiveR() {
      return "r" + r.receive();
    }
  }

  /** One channel of capacity 1 in the specification. */
  private static final class Queue {
    private final ArrayDeque<Integer> buffer = new ArrayDeque<>();
    private boolean closed;

    boolean ready() {
      return !buffer.isEmpty() || closed;
    }

    boolean hasRoom() {
      return buffer.isEmpty() && !closed;
    }

    String send(int v) {
      if (closed) {
        return "closed";
      }
      if (!buffer.isEmpty()) {
        throw new IllegalStateException("send would wait");
      }
      buffer.add(v);
      return "sent";
    }

    String receive() {
      Integer v = buffer.poll();
      if (v != null) {
        return String.valueOf(v);
      }
      if (closed) {
        return "closed";
      }
      throw new IllegalStateException("receive would wait");
    }

    boolean close() {
      if (closed) {
        return false;
      }
      closed = true;
      return true;
    }
  }
}
