package dev.weft.channel;

import static dev.weft.channel.Select.onReceive;
import static dev.weft.channel.Select.onSend;
import static dev.weft.channel.Select.onTimeout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.testing.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real threads, many rounds: across every channel kind, with senders and receivers using blocking,
 * timed and select calls, random interrupts and a close at a random moment, every element that a
 * send reported as sent is received exactly once, and no element that a send reported as not sent
 * (interrupted, timed out, closed) is ever received. The default run transfers 1,000,000 elements
 * (a few seconds on 2 busy cores); the soak run ({@code -Psoak}) 10,000,000. Each run also checks
 * that the chaos happened: some calls were interrupted, some gave up on time, and some rounds were
 * closed while producers were still sending.
 */
class ChannelStressTest {

  private static final int PRODUCERS = 4;
  private static final int CONSUMERS = 4;
  private static final int PER_PRODUCER = 1_000;

  @Test
  void noElementLostOrDuplicated() throws Throwable {
    assertThat(run(1_000_000, 1)).isGreaterThanOrEqualTo(1_000_000);
  }

  @Test
  @Tag("soak")
  void noElementLostOrDuplicatedOverTenMillionTransfers() throws Throwable {
    assertThat(run(10_000_000, 2)).isGreaterThanOrEqualTo(10_000_000);
  }

  /** Runs rounds until {@code transfers} elements have been received; {@return how many were} */
  private static long run(long transfers, long seed) throws Throwable {
    SplittableRandom random = new SplittableRandom(seed);
    Chaos chaos = new Chaos();
    long received = 0;
    int round = 0;
    while (received < transfers) {
      int capacity =
          switch (round % 3) {
            case 0 -> 0;
            case 1 -> 16;
            default -> ChannelImpl.UNLIMITED;
          };
      received += round(round, capacity, random.split(), chaos);
      round++;
    }
    assertThat(chaos.interrupted).as("calls interrupted").hasPositiveValue();
    assertThat(chaos.gaveUp).as("calls that gave up on time").hasPositiveValue();
    assertThat(chaos.closedEarly).as("rounds closed while sending").hasPositiveValue();
    return received;
  }

  /** What the chaos did, so that a run that did none fails. */
  private static final class Chaos {
    final AtomicLong interrupted = new AtomicLong();
    final AtomicLong gaveUp = new AtomicLong();
    final AtomicLong closedEarly = new AtomicLong();
  }

  private static long round(int round, int capacity, SplittableRandom random, Chaos chaos)
      throws Throwable {
    Channel<Integer> ch =
        capacity == ChannelImpl.UNLIMITED
            ? Channel.unlimited("round-" + round)
            : Channel.buffered("round-" + round, capacity);
    // channels that selects also look at and that never carry anything: producers offer to
    // idleOut, which nobody receives from; consumers wait on idleIn, which nobody sends to
    Channel<Integer> idleOut = Channel.rendezvous();
    Channel<Integer> idleIn = Channel.rendezvous();
    int total = PRODUCERS * PER_PRODUCER;
    AtomicIntegerArray sent = new AtomicIntegerArray(total);
    AtomicIntegerArray got = new AtomicIntegerArray(total);
    AtomicLong receivedCount = new AtomicLong();
    boolean closeEarly = random.nextInt(4) == 0;
    List<Run> producers = new ArrayList<>();
    for (int p = 0; p < PRODUCERS; p++) {
      int base = p * PER_PRODUCER;
      long seed = random.nextLong();
      producers.add(
          Run.start("producer-" + p, () -> produce(ch, idleOut, base, sent, seed, chaos)));
    }
    List<Run> consumers = new ArrayList<>();
    for (int c = 0; c < CONSUMERS; c++) {
      long seed = random.nextLong();
      consumers.add(
          Run.start("consumer-" + c, () -> consume(ch, idleIn, got, receivedCount, seed, chaos)));
    }
    // chaos: interrupt random threads while they run
    List<Run> all = new ArrayList<>(producers);
    all.addAll(consumers);
    for (int i = 0; i < 50; i++) {
      all.get(random.nextInt(all.size())).thread().interrupt();
      Thread.yield();
      if (closeEarly && i == 25) {
        ch.close();
        chaos.closedEarly.incrementAndGet();
      }
    }
    for (Run p : producers) {
      try {
        p.join();
      } catch (AssertionError hang) {
        for (Run c : consumers) {
          if (!c.thread().isAlive() && c.failure() != null) {
            hang.addSuppressed(c.failure());
          }
        }
        throw hang;
      }
    }
    ch.close();
    for (Run c : consumers) {
      c.join();
    }
    for (int i = 0; i < total; i++) {
      if (got.get(i) != sent.get(i)) {
        throw new AssertionError(
            "round "
                + round
                + " (capacity "
                + capacity
                + "): element "
                + i
                + " sent "
                + sent.get(i)
                + " time(s), received "
                + got.get(i)
                + " time(s)");
      }
    }
    assertThat(ch.isClosedForReceive()).isTrue();
    assertThat(((ChannelImpl<?>) ch).waitingSenders()).isZero();
    assertThat(((ChannelImpl<?>) idleIn).waitingReceivers()).isZero();
    assertThat(((ChannelImpl<?>) idleOut).waitingSenders()).isZero();
    return receivedCount.get();
  }

  private static void produce(
      Channel<Integer> ch,
      Channel<Integer> idle,
      int base,
      AtomicIntegerArray sent,
      long seed,
      Chaos chaos) {
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < PER_PRODUCER; i++) {
      int x = base + i;
      try {
        boolean ok =
            switch (random.nextInt(4)) {
              case 0 -> ch.trySend(x);
              case 1 -> ch.trySend(x, Duration.ofNanos(random.nextInt(20_000)));
              case 2 ->
                  Select.select(
                      onSend(ch, x, () -> true),
                      onSend(idle, -1, () -> false),
                      onTimeout(Duration.ofMillis(5), () -> false));
              default -> {
                ch.send(x);
                yield true;
              }
            };
        if (ok) {
          sent.incrementAndGet(x);
        } else {
          chaos.gaveUp.incrementAndGet();
        }
      } catch (InterruptedException e) {
        chaos.interrupted.incrementAndGet(); // not sent; carry on
      } catch (ChannelClosedException e) {
        return;
      }
    }
  }

  private static void consume(
      Channel<Integer> ch,
      Channel<Integer> idle,
      AtomicIntegerArray got,
      AtomicLong count,
      long seed,
      Chaos chaos) {
    SplittableRandom random = new SplittableRandom(seed);
    while (true) {
      try {
        Integer x =
            switch (random.nextInt(4)) {
              case 0 -> ch.tryReceive().orElse(null);
              case 1 -> ch.tryReceive(Duration.ofNanos(random.nextInt(20_000))).orElse(null);
              case 2 ->
                  Select.select(
                      onReceive(ch, v -> v),
                      onReceive(idle, v -> v),
                      onTimeout(Duration.ofMillis(5), () -> null));
              default -> ch.receive();
            };
        if (x != null) {
          if (x < 0) {
            throw new AssertionError("the idle channel carried " + x);
          }
          got.incrementAndGet(x);
          count.incrementAndGet();
        }
      } catch (InterruptedException e) {
        chaos.interrupted.incrementAndGet(); // nothing taken; carry on
      } catch (ChannelClosedException e) {
        if (e.isFailure()) {
          throw e;
        }
        return;
      }
    }
  }
}
