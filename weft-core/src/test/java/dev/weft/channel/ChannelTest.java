package dev.weft.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.task.DeadlineExceededException;
import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.TaskContext;
import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import dev.weft.time.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChannelTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void factoriesRejectBadInputNamingTheValue() {
    assertThatThrownBy(() -> Channel.buffered(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must be >= 0, was -1");
    assertThatThrownBy(() -> Channel.buffered(null, 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Channel.unlimited(null)).isInstanceOf(NullPointerException.class);
    Channel<String> ch = Channel.buffered(1);
    assertThatThrownBy(() -> ch.send(null)).hasMessage("element");
    assertThatThrownBy(() -> ch.trySend(null)).hasMessage("element");
    assertThatThrownBy(() -> ch.trySend("a", null)).hasMessage("timeout");
    assertThatThrownBy(() -> ch.tryReceive(null)).hasMessage("timeout");
    assertThatThrownBy(() -> ch.error(null)).hasMessage("cause");
    assertThat(ch.size()).isZero();
  }

  @Test
  void kindsReportTheirCapacityAndName() {
    assertThat(Channel.rendezvous().capacity()).isZero();
    assertThat(Channel.buffered(0).capacity()).isZero();
    assertThat(Channel.buffered("jobs", 16).capacity()).isEqualTo(16);
    assertThat(Channel.buffered("jobs", 16).name()).isEqualTo("jobs");
    assertThat(Channel.unlimited().capacity()).isEqualTo(Integer.MAX_VALUE);
    assertThat(Channel.unlimited("u").toString())
        .isEqualTo("Channel['u', unlimited, 0 buffered, open]");
  }

  @Test
  void bufferedChannelIsFifoAndRefusesTrySendWhenFull() throws Exception {
    Channel<Integer> ch = Channel.buffered(3);
    assertThat(ch.trySend(1)).isTrue();
    assertThat(ch.trySend(2)).isTrue();
    ch.send(3);
    assertThat(ch.trySend(4)).isFalse();
    assertThat(ch.trySend(4, Duration.ZERO)).isFalse();
    assertThat(ch.size()).isEqualTo(3);
    assertThat(ch.receive()).isEqualTo(1);
    assertThat(ch.tryReceive()).contains(2);
    assertThat(ch.tryReceive(Duration.ZERO)).contains(3);
    assertThat(ch.tryReceive()).isEmpty();
    assertThat(ch.tryReceive(Duration.ZERO)).isEmpty();
  }

  @Test
  void rendezvousSendWaitsForAReceiver() throws Throwable {
    Channel<String> ch = Channel.rendezvous();
    assertThat(ch.trySend("x")).isFalse();
    assertThat(ch.tryReceive()).isEmpty();
    AtomicReference<String> sent = new AtomicReference<>();
    Run sender =
        Run.start(
            "sender",
            () -> {
              ch.send("x");
              sent.set("done");
            });
    Blocked.senders(ch, 1);
    assertThat(sent.get()).isNull(); // still waiting: nobody took it
    assertThat(ch.size()).isZero();
    assertThat(ch.receive()).isEqualTo("x");
    sender.join();
    assertThat(sent.get()).isEqualTo("done");
  }

  @Test
  void trySendHandsToAWaitingReceiver() throws Throwable {
    Channel<String> ch = Channel.rendezvous();
    AtomicReference<String> got = new AtomicReference<>();
    Run receiver = Run.start("receiver", () -> got.set(ch.receive()));
    Blocked.receivers(ch, 1);
    assertThat(ch.trySend("x")).isTrue();
    receiver.join();
    assertThat(got.get()).isEqualTo("x");
  }

  @Test
  void aWaitingSenderMovesIntoTheBufferWhenRoomFrees() throws Throwable {
    Channel<Integer> ch = Channel.buffered(1);
    ch.send(1);
    Run sender = Run.start("sender", () -> ch.send(2));
    Blocked.senders(ch, 1);
    assertThat(ch.receive()).isEqualTo(1);
    sender.join();
    assertThat(ch.size()).isEqualTo(1);
    assertThat(ch.receive()).isEqualTo(2);
  }

  @Test
  void waitersAreServedInArrivalOrder() throws Throwable {
    Channel<Integer> ch = Channel.rendezvous();
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int me = i;
      runs.add(Run.start("sender-" + i, () -> ch.send(me)));
      Blocked.senders(ch, i + 1);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(ch.receive()).isEqualTo(i);
    }
    for (Run r : runs) {
      r.join();
    }
  }

  @Test
  void unlimitedSendsNeverWait() throws Exception {
    Channel<Integer> ch = Channel.unlimited();
    for (int i = 0; i < 100_000; i++) {
      ch.send(i);
    }
    assertThat(ch.size()).isEqualTo(100_000);
    ch.close();
    assertThat(ch.stream().mapToLong(Integer::longValue).sum()).isEqualTo(4_999_950_000L);
  }

  @Test
  void closeLetsReceiversDrainThenEnds() throws Exception {
    Channel<Integer> ch = Channel.buffered("jobs", 4);
    ch.send(1);
    ch.send(2);
    assertThat(ch.close()).isTrue();
    assertThat(ch.close()).isFalse();
    assertThat(ch.error(new IOException("late"))).isFalse();
    assertThat(ch.isClosedForSend()).isTrue();
    assertThat(ch.isClosedForReceive()).isFalse();
    assertThat(ch.failure()).isEmpty();
    assertThatThrownBy(() -> ch.send(3))
        .isInstanceOf(ChannelClosedException.class)
        .hasMessage("channel 'jobs' is closed; cannot send")
        .hasNoCause();
    assertThatThrownBy(() -> ch.trySend(3)).isInstanceOf(ChannelClosedException.class);
    assertThat(ch.receive()).isEqualTo(1);
    assertThat(ch.tryReceive()).contains(2);
    assertThat(ch.isClosedForReceive()).isTrue();
    assertThatThrownBy(ch::receive)
        .isInstanceOfSatisfying(
            ChannelClosedException.class,
            e -> {
              assertThat(e.isFailure()).isFalse();
              assertThat(e.channelName()).isEqualTo("jobs");
            })
        .hasMessage("channel 'jobs' is closed and drained");
    assertThatThrownBy(ch::tryReceive).isInstanceOf(ChannelClosedException.class);
    assertThat(ch.toString()).isEqualTo("Channel['jobs', buffered 4, 0 buffered, closed]");
  }

  @Test
  void closeWakesWaitingReceiversAndSenders() throws Throwable {
    Channel<Integer> receivers = Channel.rendezvous();
    Channel<Integer> senders = Channel.rendezvous();
    Run r = Run.start("receiver", receivers::receive);
    Run s = Run.start("sender", () -> senders.send(1));
    Blocked.receivers(receivers, 1);
    Blocked.senders(senders, 1);
    receivers.close();
    senders.close();
    assertThat(r.failure())
        .isInstanceOf(ChannelClosedException.class)
        .hasMessageContaining("closed and drained");
    assertThat(s.failure()).isInstanceOf(ChannelClosedException.class).hasMessageContaining("send");
  }

  @Test
  void errorDiscardsTheBufferAndEveryoneSeesTheCause() throws Throwable {
    Channel<Integer> ch = Channel.buffered("feed", 4);
    ch.send(1);
    IOException cause = new IOException("disk gone");
    assertThat(ch.error(cause)).isTrue();
    assertThat(ch.failure()).containsSame(cause);
    assertThat(ch.size()).isZero();
    assertThat(ch.isClosedForReceive()).isTrue();
    assertThatThrownBy(ch::receive)
        .isInstanceOfSatisfying(
            ChannelClosedException.class, e -> assertThat(e.isFailure()).isTrue())
        .hasMessage("channel 'feed' failed: java.io.IOException: disk gone")
        .hasCause(cause);
    assertThatThrownBy(() -> ch.send(2)).hasCause(cause);
    assertThatThrownBy(() -> ch.iterator().hasNext()).hasCause(cause);
    Channel<Integer> waiting = Channel.rendezvous();
    Run r = Run.start("receiver", waiting::receive);
    Blocked.receivers(waiting, 1);
    waiting.error(cause);
    assertThat(r.failure()).isInstanceOf(ChannelClosedException.class).hasCause(cause);
  }

  @Test
  void iterationAndStreamEndAtClose() throws Throwable {
    Channel<Integer> ch = Channel.buffered(2);
    Run producer =
        Run.start(
            "producer",
            () -> {
              for (int i = 0; i < 100; i++) {
                ch.send(i);
              }
              ch.close();
            });
    assertThat(ch.stream().toList()).isEqualTo(IntStream.range(0, 100).boxed().toList());
    producer.join();
    Iterator<Integer> it = ch.iterator();
    assertThat(it.hasNext()).isFalse();
    assertThat(it.hasNext()).isFalse();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void interruptedReceiveTakesNothing() throws Throwable {
    Channel<Integer> ch = Channel.rendezvous();
    Run r = Run.start("receiver", ch::receive);
    Blocked.receivers(ch, 1);
    r.thread().interrupt();
    assertThat(r.failure()).isInstanceOf(InterruptedException.class);
    assertThat(((ChannelImpl<?>) ch).waitingReceivers()).isZero();
    assertThat(ch.trySend(1)).isFalse(); // the gone receiver took nothing
    Thread.currentThread().interrupt();
    assertThatThrownBy(ch::receive).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void interruptedSendSendsNothing() throws Throwable {
    Channel<Integer> ch = Channel.buffered(1);
    ch.send(1);
    Run s = Run.start("sender", () -> ch.send(2));
    Blocked.senders(ch, 1);
    s.thread().interrupt();
    assertThat(s.failure()).isInstanceOf(InterruptedException.class);
    assertThat(ch.receive()).isEqualTo(1);
    assertThat(ch.tryReceive()).isEmpty();
    assertThat(ch.size()).isZero();
  }

  @Test
  void interruptedIterationThrowsCancelledWithTheStatusSet() throws Throwable {
    Channel<Integer> ch = Channel.rendezvous();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Run r =
        Run.start(
            "iterator",
            () -> {
              try {
                var unused = ch.iterator().hasNext();
              } finally {
                flag.set(Thread.currentThread().isInterrupted());
              }
            });
    Blocked.receivers(ch, 1);
    r.thread().interrupt();
    assertThat(r.failure()).isInstanceOf(CancelledException.class);
    assertThat(flag.get()).isTrue();
  }

  @Test
  void timedCallsGiveUpOnTheTasksClock() throws Throwable {
    Channel<Integer> ch = Channel.rendezvous();
    try (Scope scope = Scope.builder().time(clock).open()) {
      Fork<Optional<Integer>> receive = scope.fork(() -> ch.tryReceive(Duration.ofSeconds(5)));
      Fork<Boolean> send = scope.fork(() -> Channel.<Integer>buffered(0).trySend(1, ofSeconds(5)));
      clock.awaitParked(2);
      clock.advance(Duration.ofSeconds(4));
      assertThat(receive.state()).isEqualTo(Fork.State.RUNNING);
      clock.advance(Duration.ofSeconds(1));
      scope.join();
      assertThat(receive.get()).isEmpty();
      assertThat(send.get()).isFalse();
    }
    assertThat(((ChannelImpl<?>) ch).waitingReceivers()).isZero();
  }

  @Test
  void theTasksDeadlineEndsAWait() throws Throwable {
    Channel<Integer> ch = Channel.rendezvous();
    Run r =
        Run.start(
            "receiver",
            () ->
                TaskContext.callWithin(
                    CancellationToken.none(),
                    Deadline.after(Duration.ofSeconds(2), clock),
                    ch::receive));
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(2));
    assertThat(r.failure())
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessage("the task's deadline passed while waiting to receive from channel 'channel'");
    assertThat(((ChannelImpl<?>) ch).waitingReceivers()).isZero();
  }

  @Test
  void cancellingTheScopeStopsABlockedReceiveAndLeavesNoWaiter() throws Throwable {
    Channel<Integer> ch = Channel.rendezvous();
    try (Scope scope = Scope.open()) {
      Fork<Integer> f = scope.fork(ch::receive);
      Blocked.receivers(ch, 1);
      scope.cancel();
      scope.join();
      assertThat(f.state()).isEqualTo(Fork.State.CANCELLED);
    }
    assertThat(((ChannelImpl<?>) ch).waitingReceivers()).isZero();
    assertThat(ch.trySend(1)).isFalse();
  }

  private static Duration ofSeconds(long s) {
    return Duration.ofSeconds(s);
  }
}
