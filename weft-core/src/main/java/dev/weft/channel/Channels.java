package dev.weft.channel;

import dev.weft.task.CancellationToken;
import dev.weft.task.Scope;
import dev.weft.task.TaskFailedException;
import dev.weft.task.TaskFunction;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Channels tied to a {@link Scope}: a producer forked into the scope whose channel is closed with
 * the right cause however it ends, and pipeline stages (a concurrent map from one channel to
 * another) built on it. Every fork belongs to the given scope, so the scope's {@code join()} and
 * {@code close()} wait for them, a failing stage fails the scope, and cancelling the scope stops
 * every stage: the structure of the rest of weft.
 *
 * <p>Stateless; call the methods from the scope's owner thread (they fork).
 *
 * {@snippet :
 * try (var scope = Scope.open()) {
 *   ReceiveChannel<String> urls = Channels.produce(scope, 16, out -> {
 *     for (String line : Files.readAllLines(list)) out.send(line);
 *   });
 *   ReceiveChannel<Page> pages = Channels.map(scope, urls, 8, true, url -> http.get(url));
 *   for (Page page : pages) store(page);   // in input order, at most 8 fetches at once
 *   scope.join();
 * }
 * }
 *
 * <p>Backpressure is end to end: each stage's output channel is bounded, so a slow consumer stops
 * the stages and, in the end, the producer, which waits in {@code send}.
 */
public final class Channels {

  private Channels() {}

  /** The body of a producer: sends elements to {@code out} and returns; may throw. */
  @FunctionalInterface
  public interface Producer<T> {
    /**
     * Sends the elements.
     *
     * @param out where to send them
     * @throws Exception anything; it fails the channel and the scope
     */
    void produce(SendChannel<T> out) throws Exception;
  }

  /**
   * Forks {@code producer} into {@code scope} with a new channel of {@code capacity} (0:
   * rendezvous) and returns the channel's receiving side. When the producer returns, the channel is
   * closed (receivers drain it, then see the end); when it throws, the channel fails with what it
   * threw, and the scope fails with it too; when the scope is cancelled (a sibling failed, the
   * deadline passed, the owner cancelled or was interrupted) before the producer ended, the channel
   * fails at once with the scope's reason ({@link CancellationToken#reason()}), so a receiver
   * outside the scope stops waiting instead of hanging.
   *
   * @param scope the scope that owns the producer
   * @param capacity the channel's buffer, {@code >= 0}
   * @param producer the producer
   * @param <T> the element type
   * @return the channel to receive from
   * @throws IllegalArgumentException if {@code capacity < 0}
   */
  public static <T> ReceiveChannel<T> produce(Scope scope, int capacity, Producer<T> producer) {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(producer, "producer");
    Channel<T> out = Channel.buffered("produce", capacity);
    fork(scope, out, () -> producer.produce(out), () -> out.close());
    return out;
  }

  /**
   * Forks a pipeline stage into {@code scope}: {@code concurrency} workers receive from {@code in},
   * apply {@code fn}, and send the results to the returned channel, whose capacity is {@code
   * concurrency}. With {@code ordered}, results come out in the order of their inputs (a result
   * that is ready early waits for the ones before it; at most {@code concurrency} inputs are in
   * flight); without it, in the order they finish. When {@code in} ends normally and every result
   * has been sent, the output is closed. When {@code fn} throws, or {@code in} fails, the output
   * fails with that cause and so does the scope (cancelling the other stages); when the scope is
   * cancelled, the output fails with the scope's reason. A checked exception of {@code fn} (other
   * than {@link InterruptedException}) is wrapped in a {@link TaskFailedException} naming the
   * input's position in {@code in}, from 0 (unordered: the order in which the workers took the
   * inputs, which may differ from the input order by less than {@code concurrency}); unchecked ones
   * pass unchanged.
   *
   * <p>So the owner that drains the last stage learns why the pipeline stopped from the {@link
   * ChannelClosedException} its loop throws: its cause is the failure, the scope's {@link
   * dev.weft.task.CancelledException} or its {@link dev.weft.task.DeadlineExceededException}.
   *
   * @param scope the scope that owns the workers
   * @param in the input channel
   * @param concurrency how many calls of {@code fn} may run at once, {@code >= 1}
   * @param ordered whether results keep the order of their inputs
   * @param fn the function
   * @param <T> the input type
   * @param <R> the result type (null results are rejected)
   * @return the output channel
   * @throws IllegalArgumentException if {@code concurrency < 1}
   */
  public static <T, R> ReceiveChannel<R> map(
      Scope scope,
      ReceiveChannel<T> in,
      int concurrency,
      boolean ordered,
      TaskFunction<? super T, ? extends R> fn) {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(fn, "fn");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
    }
    Channel<R> out = Channel.buffered("map of " + in.name(), concurrency);
    long start = TimeSource.system().read();
    if (!ordered) {
      AtomicInteger running = new AtomicInteger(concurrency);
      AtomicInteger taken = new AtomicInteger();
      for (int i = 0; i < concurrency; i++) {
        fork(
            scope,
            out,
            () -> {
              for (T item : in) {
                out.send(apply(fn, item, taken.getAndIncrement(), start));
              }
            },
            () -> {
              if (running.decrementAndGet() == 0) {
                out.close();
              }
            });
      }
      return out;
    }
    // ordered: a dispatcher gives each input a one-element slot, queued in input order on `slots`
    // (bounded by `concurrency`, which bounds what is in flight) and handed with the input to the
    // workers; a collector sends each slot's result to `out` in queue order
    Channel<Slot<T, R>> work = Channel.rendezvous();
    Channel<Channel<R>> slots = Channel.buffered(concurrency);
    fork(
        scope,
        out,
        () -> {
          int index = 0;
          for (T item : in) {
            Channel<R> slot = Channel.buffered(1);
            slots.send(slot);
            work.send(new Slot<>(item, index++, slot));
          }
        },
        () -> {
          work.close();
          slots.close();
        });
    for (int i = 0; i < concurrency; i++) {
      fork(
          scope,
          out,
          () -> {
            for (Slot<T, R> s : work) {
              s.result.send(apply(fn, s.item, s.index, start));
            }
          },
          () -> {});
    }
    fork(
        scope,
        out,
        () -> {
          for (Channel<R> slot : slots) {
            out.send(slot.receive());
          }
        },
        out::close);
    return out;
  }

  /** An input, its position, and the slot its result goes to. */
  private record Slot<T, R>(T item, int index, Channel<R> result) {}

  /**
   * Applies {@code fn} to the input at {@code index}; a checked failure other than an interrupt is
   * wrapped, naming the input and the time since the stage started at {@code start}.
   */
  private static <T, R> R apply(
      TaskFunction<? super T, ? extends R> fn, T item, int index, long start) throws Exception {
    R result;
    try {
      result = fn.apply(item);
    } catch (RuntimeException | InterruptedException e) {
      throw e;
    } catch (Exception e) {
      Duration elapsed = Duration.ofNanos(Math.max(0, TimeSource.system().read() - start));
      throw new TaskFailedException(index, null, elapsed, e);
    }
    return Objects.requireNonNull(result, "fn returned null");
  }

  /** Work whose end decides something; may throw anything. */
  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }

  /**
   * Forks {@code body}: on return runs {@code done}; on failure fails {@code out} with the cause
   * and rethrows (failing the scope); meanwhile, the scope's cancellation fails {@code out}.
   */
  private static void fork(Scope scope, Channel<?> out, Body body, Runnable done) {
    CancellationToken token = scope.token();
    scope.fork(() -> {
      CancellationToken.Registration link = token.onCancel(() -> out.error(reasonOf(token)));
      try {
        body.run();
        done.run();
      } catch (Throwable t) {
        // an input that failed: pass its cause on, not the wrapper
        out.error(t instanceof ChannelClosedException c && c.getCause() != null ? c.getCause() : t);
        throw t;
      } finally {
        link.close();
      }
      return null;
    });
  }

  private static Throwable reasonOf(CancellationToken token) {
    @Nullable RuntimeException why = token.reason().orElse(null);
    return why != null ? why : new IllegalStateException("the scope was cancelled");
  }
}
