package dev.weft.bench.observe;

import dev.weft.observe.Event;
import dev.weft.observe.Listener;
import dev.weft.observe.Progress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of observability on a hot path. {@code emitNoListener} is the pattern every component
 * uses ({@code if (!listener.isNone()) Listener.emit(listener, new Event(...))}) with the default
 * {@link Listener#none()}: run with {@code -prof gc}, its {@code gc.alloc.rate.norm} must be 0
 * B/op. {@code emitToListener} shows what an attached listener that keeps the event costs (so the
 * event escapes and is allocated: the probe can see allocation), {@code baseline} the loop body
 * without any observability, {@code progressStep} a {@link Progress} count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class EmitBench {

  /** An event as a component would emit it: timed, with an outcome. */
  record TaskFinished(String source, Duration duration, String outcome)
      implements Event.Timed, Event.Outcome {}

  private final LongAdder seen = new LongAdder();
  private volatile @org.jspecify.annotations.Nullable Event last;
  private final Listener none = Listener.none();
  // keeps the event, as a real listener (a queue, a log) would: it escapes, so it is allocated
  private final Listener counting =
      event -> {
        seen.increment();
        last = event;
      };
  private final Progress progress = Progress.of(Long.MAX_VALUE);
  private long work;

  /** {@return the work without observability, the baseline} */
  @Benchmark
  public long baseline() {
    return ++work;
  }

  /** {@return the work, then an emit to the default no-op listener} */
  @Benchmark
  public long emitNoListener() {
    long w = ++work;
    Listener listener = none;
    if (!listener.isNone()) {
      Listener.emit(listener, new TaskFinished("orders", Duration.ofNanos(w), "success"));
    }
    return w;
  }

  /** {@return the work, then an emit to a listener that counts and keeps events} */
  @Benchmark
  public long emitToListener() {
    long w = ++work;
    Listener listener = counting;
    if (!listener.isNone()) {
      Listener.emit(listener, new TaskFinished("orders", Duration.ofNanos(w), "success"));
    }
    return w;
  }

  /** Reads what the listener kept, so the field is live. */
  @TearDown
  public void tearDown() {
    if (seen.sum() > 0 && last == null) {
      throw new IllegalStateException("the listener saw events but kept none");
    }
  }

  /** {@return the work, then one {@link Progress#step()}} */
  @Benchmark
  public long progressStep() {
    progress.step();
    return ++work;
  }
}
