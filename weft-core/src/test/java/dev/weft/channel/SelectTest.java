package dev.weft.channel;

import static dev.weft.channel.Select.onReceive;
import static dev.weft.channel.Select.onSend;
import static dev.weft.channel.Select.onTimeout;
import static dev.weft.channel.Select.orElse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SelectTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void rejectsBadClausesWithAClearMessage() {
    Channel<Integer> a = Channel.buffered(1);
    assertThatThrownBy(() -> Select.select(orElse(() -> 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a select needs at least one send or receive clause");
    assertThatThrownBy(() ->
            Select.select(onReceive(a, x -> x), onTimeout(Duration.ZERO, () -> 0), orElse(() -> 1)))
        .hasMessage("a select takes a timeout clause or a default clause, not both");
    assertThatThrownBy(() ->
            Select.select(
                onReceive(a, x -> x),
                onTimeout(Duration.ZERO, () -> 0),
                onTimeout(Duration.ZERO, () -> 0)))
        .hasMessage("a select takes at most one timeout clause");
    assertThatThrownBy(() -> Select.select(onReceive(a, x -> x), orElse(() -> 1), orElse(() -> 1)))
        .hasMessage("a select takes at most one default clause");
    assertThatThrownBy(() -> onSend(a, null, () -> 0)).hasMessage("element");
    assertThatThrownBy(() -> onReceive(null, x -> x)).hasMessage("channel");
    assertThatThrownBy(() -> onTimeout(null, () -> 0)).hasMessage("timeout");
    assertThatThrownBy(() -> Select.select((Select.Clause<Integer>) null)).hasMessage("clause");
  }

  @Test
  void defaultRunsWhenNothingIsReady() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.buffered(1);
    b.send(9);
    String r = Select.select(onReceive(a, x -> "a"), onSend(b, 1, () -> "b"), orElse(() -> "none"));
    assertThat(r).isEqualTo("none");
    assertThat(b.size()).isEqualTo(1);
    assertThat(((ChannelImpl<?>) a).waitingReceivers()).isZero();
    assertThat(((ChannelImpl<?>) b).waitingSenders()).isZero();
  }

  @Test
  void takesTheReadyClauseAndLeavesTheOthersUntouched() throws Exception {
    Channel<Integer> a = Channel.buffered(1);
    Channel<Integer> b = Channel.buffered(1);
    b.send(2);
    int r = Select.select(onReceive(a, x -> x), onReceive(b, x -> x * 10));
    assertThat(r).isEqualTo(20);
    Channel<Integer> full = Channel.buffered(1);
    full.send(0);
    String sent = Select.select(onSend(full, 1, () -> "full"), onSend(a, 5, () -> "a"));
    assertThat(sent).isEqualTo("a");
    assertThat(full.tryReceive()).contains(0);
    assertThat(full.tryReceive()).isEmpty();
    assertThat(a.tryReceive()).contains(5);
  }

  @Test
  void fairAmongReadyClauses() throws Exception {
    Channel<Integer> a = Channel.unlimited();
    Channel<Integer> b = Channel.unlimited();
    int rounds = 4000;
    int aWins = 0;
    for (int i = 0; i < rounds; i++) {
      a.send(i);
      b.send(i);
      if (Select.select(onReceive(a, x -> true), onReceive(b, x -> false))) {
        aWins++;
      }
    }
    // binomial(4000, 0.5): 2000 +- 32 (one standard deviation); 1600 is 12 deviations away
    assertThat(aWins).isBetween(1600, 2400);
    assertThat(a.size() + b.size()).isEqualTo(rounds); // each select took exactly one element
  }

  @Test
  void selectInOrderPrefersTheFirstReadyClause() throws Exception {
    Channel<Integer> a = Channel.unlimited();
    Channel<Integer> b = Channel.unlimited();
    for (int i = 0; i < 100; i++) {
      a.send(i);
      b.send(i);
      String r = Select.selectInOrder(onReceive(a, x -> "a"), onReceive(b, x -> "b"));
      assertThat(r).isEqualTo("a");
    }
    assertThat(b.size()).isEqualTo(100);
  }

  @Test
  void aBlockedSelectIsWokenByOneChannelAndLeavesNoWaiterOnTheOther() throws Throwable {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.rendezvous();
    AtomicReference<String> got = new AtomicReference<>();
    Run r =
        Run.start(
            "select",
            () -> got.set(Select.select(onReceive(a, x -> "a" + x), onReceive(b, x -> "b" + x))));
    Blocked.receivers(a, 1);
    Blocked.receivers(b, 1);
    b.send(7);
    r.join();
    assertThat(got.get()).isEqualTo("b7");
    assertThat(((ChannelImpl<?>) a).waitingReceivers()).isZero();
    assertThat(a.trySend(1)).isFalse(); // nobody receives on a any more
  }

  @Test
  void twoSelectsMeetOnARendezvousChannel() throws Throwable {
    Channel<Integer> c = Channel.rendezvous();
    Channel<Integer> never = Channel.rendezvous();
    Channel<Integer> nobody = Channel.rendezvous(); // no receiver ever waits here
    AtomicReference<Integer> got = new AtomicReference<>();
    Run receiver =
        Run.start(
            "receiver",
            () -> got.set(Select.select(onReceive(c, x -> x), onReceive(never, x -> -1))));
    Blocked.receivers(c, 1);
    String r = Select.select(onSend(c, 42, () -> "sent"), onSend(nobody, 0, () -> "never"));
    receiver.join();
    assertThat(r).isEqualTo("sent");
    assertThat(got.get()).isEqualTo(42);
  }

  @Test
  void aBlockedSendClauseIsTakenByAReceiver() throws Throwable {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.rendezvous();
    AtomicReference<String> got = new AtomicReference<>();
    Run r =
        Run.start(
            "select",
            () -> got.set(Select.select(onSend(a, 1, () -> "a"), onSend(b, 2, () -> "b"))));
    Blocked.senders(a, 1);
    Blocked.senders(b, 1);
    assertThat(a.receive()).isEqualTo(1);
    r.join();
    assertThat(got.get()).isEqualTo("a");
    assertThat(b.tryReceive()).isEmpty(); // the losing send left nothing behind
  }

  @Test
  void timeoutClauseRunsOnTheTasksClock() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    try (Scope scope = Scope.builder().time(clock).open()) {
      Fork<String> f =
          scope.fork(() ->
              Select.select(
                  onReceive(a, x -> "got"), onTimeout(Duration.ofSeconds(3), () -> "late")));
      clock.awaitParked(1);
      clock.advance(Duration.ofSeconds(2));
      assertThat(f.state()).isEqualTo(Fork.State.RUNNING);
      clock.advance(Duration.ofSeconds(1));
      scope.join();
      assertThat(f.get()).isEqualTo("late");
    }
    assertThat(((ChannelImpl<?>) a).waitingReceivers()).isZero();
  }

  @Test
  void aClosedChannelIsReadyAndThrows() throws Throwable {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> done = Channel.buffered("done", 1);
    done.close();
    assertThatThrownBy(() -> Select.select(onReceive(a, x -> x), onReceive(done, x -> x)))
        .isInstanceOf(ChannelClosedException.class)
        .hasMessage("channel 'done' is closed and drained");
    assertThatThrownBy(() -> Select.select(onSend(done, 1, () -> 0)))
        .hasMessage("channel 'done' is closed; cannot send");
    Channel<Integer> failing = Channel.rendezvous();
    Run r =
        Run.start("select", () -> Select.select(onReceive(a, x -> x), onReceive(failing, x -> x)));
    Blocked.receivers(failing, 1);
    IOException cause = new IOException("gone");
    failing.error(cause);
    assertThat(r.failure()).isInstanceOf(ChannelClosedException.class).hasCause(cause);
    assertThat(((ChannelImpl<?>) a).waitingReceivers()).isZero();
  }

  @Test
  void interruptedSelectTakesNothing() throws Throwable {
    Channel<Integer> a = Channel.rendezvous();
    Run r = Run.start("select", () -> Select.select(List.of(onReceive(a, x -> x))));
    Blocked.receivers(a, 1);
    r.thread().interrupt();
    assertThat(r.failure()).isInstanceOf(InterruptedException.class);
    assertThat(a.trySend(1)).isFalse();
  }

  @Test
  void continuationFailuresPassThroughUnchanged() {
    Channel<Integer> a = Channel.buffered(1);
    IllegalStateException boom = new IllegalStateException("boom");
    assertThat(a.trySend(1)).isTrue();
    assertThatThrownBy(() ->
            Select.select(
                onReceive(
                    a,
                    x -> {
                      throw boom;
                    })))
        .isSameAs(boom);
  }
}
