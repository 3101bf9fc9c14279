package dev.weft.bench.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 19: {@value #TRANSFERS} elements passed from producers to consumers, split evenly over
 * {@code pairs} producer/consumer pairs, each pair on its own channel; one operation = one element
 * (so the score is nanoseconds per transfer, all pairs together). Threads: one virtual thread per
 * producer and per consumer, started per invocation (amortised over {@value #TRANSFERS} transfers).
 * Peers with the same shape: {@code SynchronousQueue} and {@code LinkedTransferQueue} ({@code
 * transfer}/{@code take}) for rendezvous, {@code ArrayBlockingQueue(16)} for a buffer of 16, Jox
 * 1.0.1's channels (rendezvous and buffered 16), and kotlinx-coroutines 1.10.2's {@code Channel},
 * driven from Java by {@link KotlinPairs}: every pair's two coroutines run inside one {@code
 * runBlocking} on its single-thread event loop, where a full or empty channel suspends the
 * coroutine instead of parking a thread (Kotlin's own deployment; no thread hand-off is paid, so
 * that row measures the channel algorithm without the scheduler).
 */
@SuppressWarnings("NullAway.Init") // JMH fills @Param fields
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ChannelBench {

  static final int TRANSFERS = 16_000;
  private static final Integer ELEMENT = 42;

  @Param({
    "weft-rendezvous",
    "jox-rendezvous",
    "kotlin-rendezvous",
    "SynchronousQueue",
    "LinkedTransferQueue",
    "weft-buffer16",
    "jox-buffer16",
    "kotlin-buffer16",
    "ArrayBlockingQueue16"
  })
  public String channel;

  @Param({"1", "16"})
  public int pairs;

  /** A channel's two ends, as each peer spells them. */
  interface Pipe {
    void put(Integer e) throws InterruptedException;

    Integer take() throws InterruptedException;
  }

  @Benchmark
  @OperationsPerInvocation(TRANSFERS)
  public long transfer() throws Exception {
    int perPair = TRANSFERS / pairs;
    if (channel.startsWith("kotlin-")) {
      return KotlinPairs.run(channel.endsWith("rendezvous") ? 0 : 16, pairs, perPair);
    }
    List<Thread> threads = new ArrayList<>(2 * pairs);
    long[] sums = new long[pairs];
    for (int p = 0; p < pairs; p++) {
      Pipe pipe = pipe(channel);
      int me = p;
      threads.add(
          Thread.ofVirtual()
              .start(() -> {
                try {
                  for (int i = 0; i < perPair; i++) {
                    pipe.put(ELEMENT);
                  }
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }));
      threads.add(
          Thread.ofVirtual()
              .start(() -> {
                long sum = 0;
                try {
                  for (int i = 0; i < perPair; i++) {
                    sum += pipe.take();
                  }
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                sums[me] = sum;
              }));
    }
    for (Thread t : threads) {
      t.join();
    }
    long total = 0;
    for (long s : sums) {
      total += s;
    }
    if (total != (long) ELEMENT * perPair * pairs) {
      throw new IllegalStateException(channel + ": lost elements, sum " + total);
    }
    return total;
  }

  static Pipe pipe(String channel) {
    return switch (channel) {
      case "weft-rendezvous" -> weft(dev.weft.channel.Channel.rendezvous());
      case "weft-buffer16" -> weft(dev.weft.channel.Channel.buffered(16));
      case "jox-rendezvous" -> jox(com.softwaremill.jox.Channel.newRendezvousChannel());
      case "jox-buffer16" -> jox(com.softwaremill.jox.Channel.newBufferedChannel(16));
      case "SynchronousQueue" -> {
        SynchronousQueue<Integer> q = new SynchronousQueue<>();
        yield new Pipe() {
          @Override
          public void put(Integer e) throws InterruptedException {
            q.put(e);
          }

          @Override
          public Integer take() throws InterruptedException {
            return q.take();
          }
        };
      }
      case "LinkedTransferQueue" -> {
        LinkedTransferQueue<Integer> q = new LinkedTransferQueue<>();
        yield new Pipe() {
          @Override
          public void put(Integer e) throws InterruptedException {
            q.transfer(e);
          }

          @Override
          public Integer take() throws InterruptedException {
            return q.take();
          }
        };
      }
      case "ArrayBlockingQueue16" -> {
        ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(16);
        yield new Pipe() {
          @Override
          public void put(Integer e) throws InterruptedException {
            q.put(e);
          }

          @Override
          public Integer take() throws InterruptedException {
            return q.take();
          }
        };
      }
      default -> throw new IllegalArgumentException("unknown channel " + channel);
    };
  }

  private static Pipe weft(dev.weft.channel.Channel<Integer> ch) {
    return new Pipe() {
      @Override
      public void put(Integer e) throws InterruptedException {
        ch.send(e);
      }

      @Override
      public Integer take() throws InterruptedException {
        return ch.receive();
      }
    };
  }

  private static Pipe jox(com.softwaremill.jox.Channel<Integer> ch) {
    return new Pipe() {
      @Override
      public void put(Integer e) throws InterruptedException {
        ch.send(e);
      }

      @Override
      public Integer take() throws InterruptedException {
        return ch.receive();
      }
    };
  }
}
