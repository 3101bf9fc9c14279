package dev.weft.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.CancelledException;
import dev.weft.task.Scope;
import dev.weft.testing.Run;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChannelsTest {

  private static final List<Integer> HUNDRED = IntStream.range(0, 100).boxed().toList();

  @Test
  void produceClosesTheChannelWhenTheProducerReturns() {
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> ch =
          Channels.produce(
              scope,
              4,
              out -> {
                for (int i : HUNDRED) {
                  out.send(i);
                }
              });
      assertThat(ch.stream().toList()).isEqualTo(HUNDRED);
      scope.join();
      assertThat(ch.isClosedForReceive()).isTrue();
    }
  }

  @Test
  void aFailingProducerFailsTheChannelAndTheScope() throws Exception {
    IOException boom = new IOException("feed broke");
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> ch =
          Channels.produce(
              scope,
              0,
              out -> {
                out.send(1);
                throw boom;
              });
      assertThat(ch.receive()).isEqualTo(1);
      assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class).hasCause(boom);
      assertThatThrownBy(scope::join).hasCause(boom);
    }
  }

  @Test
  void cancellingTheScopeFailsTheChannelForAReceiverOutsideIt() throws Throwable {
    CountDownLatch never = new CountDownLatch(1);
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> ch =
          Channels.produce(
              scope,
              0,
              out -> {
                out.send(1);
                never.await(); // would run for ever
              });
      Run receiver =
          Run.start(
              "receiver",
              () -> {
                assertThat(ch.receive()).isEqualTo(1);
                ch.receive();
              });
      Blocked.receivers((Channel<?>) ch, 1);
      scope.cancel();
      assertThat(receiver.failure())
          .isInstanceOf(ChannelClosedException.class)
          .hasCauseInstanceOf(CancelledException.class);
      scope.join();
    }
  }

  @Test
  void unorderedMapSendsEveryResultOnceWithinTheConcurrency() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> in = source(scope);
      ReceiveChannel<Integer> out =
          Channels.map(
              scope,
              in,
              3,
              false,
              x -> {
                max.accumulateAndGet(running.incrementAndGet(), Math::max);
                running.decrementAndGet();
                return x * 2;
              });
      assertThat(out.stream().sorted().toList())
          .isEqualTo(HUNDRED.stream().map(x -> x * 2).toList());
      scope.join();
    }
    assertThat(max.get()).isBetween(1, 3);
  }

  @Test
  void orderedMapKeepsInputOrderEvenWhenLaterItemsFinishFirst() {
    CountDownLatch fifthDone = new CountDownLatch(1);
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> in = source(scope);
      ReceiveChannel<String> out =
          Channels.map(
              scope,
              in,
              8,
              true,
              x -> {
                if (x == 0) {
                  fifthDone.await(); // the first item finishes only after the fifth
                }
                if (x == 5) {
                  fifthDone.countDown();
                }
                return "r" + x;
              });
      assertThat(out.stream().toList()).isEqualTo(HUNDRED.stream().map(x -> "r" + x).toList());
      scope.join();
    }
  }

  @Test
  void backpressureStopsTheProducerWhenNobodyReads() {
    AtomicInteger sent = new AtomicInteger();
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> in =
          Channels.produce(
              scope,
              2,
              out -> {
                for (int i = 0; ; i++) {
                  out.send(i);
                  sent.incrementAndGet();
                }
              });
      ReceiveChannel<Integer> out = Channels.map(scope, in, 2, false, x -> x);
      Blocked.senders((Channel<?>) in, 1);
      // 2 in the input buffer, 2 taken by the workers, 2 in the output buffer
      assertThat(sent.get()).isLessThanOrEqualTo(6);
      assertThat(out.tryReceive()).isPresent();
      scope.cancel();
      scope.join();
    }
  }

  @Test
  void aFailingStageFailsItsOutputAndTheScope() {
    IllegalStateException boom = new IllegalStateException("bad item");
    try (Scope scope = Scope.open()) {
      ReceiveChannel<Integer> out =
          Channels.map(
              scope,
              source(scope),
              2,
              true,
              x -> {
                if (x == 10) {
                  throw boom;
                }
                return x;
              });
      assertThatThrownBy(() -> out.stream().toList())
          .isInstanceOf(ChannelClosedException.class)
          .hasCause(boom);
      assertThatThrownBy(scope::join).isSameAs(boom);
    }
  }

  @Test
  void mapRejectsBadConcurrency() {
    try (Scope scope = Scope.open()) {
      assertThatThrownBy(() -> Channels.map(scope, Channel.<Integer>rendezvous(), 0, true, x -> x))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("concurrency must be >= 1, was 0");
      assertThatThrownBy(() -> Channels.produce(scope, -1, out -> {}))
          .hasMessage("capacity must be >= 0, was -1");
    }
  }

  private static ReceiveChannel<Integer> source(Scope scope) {
    return Channels.produce(
        scope,
        4,
        out -> {
          for (int i : HUNDRED) {
            out.send(i);
          }
        });
  }
}
