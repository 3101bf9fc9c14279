package dev.weft.cli;

import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --bar} / {@code --eta}: a progress line on stderr, redrawn in place five times a second
 * when stderr is a terminal, else printed as a plain line every ten seconds (so logs stay
 * readable). Works with a streamed input: the total is shown once it is known.
 *
 * <p>Stand-in for {@code dev.weft.observe.Progress} and its terminal renderer until they land on
 * main. Thread-safe: counters are atomic, the drawing thread is the only writer of the line.
 */
final class ProgressLine implements AutoCloseable {

  private final TimeSource time;
  private final PrintStream err;
  private final boolean terminal;
  private final boolean bar;
  private final String unit;
  private final long start;
  private final AtomicLong total = new AtomicLong(-1);
  final AtomicLong ok = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong retried = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  final AtomicLong running = new AtomicLong();
  private final Thread drawer;
  private volatile boolean closed;

  /**
   * Starts drawing.
   *
   * @param bar a bar ({@code --bar}) or counts and ETA only ({@code --eta})
   * @param unit what is counted, e.g. "jobs"
   */
  ProgressLine(TimeSource time, PrintStream err, boolean terminal, boolean bar, String unit) {
    this.time = time;
    this.err = err;
    this.terminal = terminal;
    this.bar = bar;
    this.unit = unit;
    this.start = time.read();
    this.drawer = WeftThreads.virtual("weft-progress").newThread(this::loop);
    drawer.start();
  }

  /** Sets the total once known. */
  void total(long n) {
    total.set(n);
  }

  private void loop() {
    Duration every = terminal ? Duration.ofMillis(200) : Duration.ofSeconds(10);
    while (!closed) {
      try {
        time.sleep(every);
      } catch (InterruptedException e) {
        return;
      }
      if (!closed) {
        draw(false);
      }
    }
  }

  private synchronized void draw(boolean last) {
    String line = render();
    if (terminal) {
      err.print("\r\033[K" + line + (last ? "\n" : ""));
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** {@return the current line} */
  String render() {
    long done = ok.get() + failed.get();
    long t = total.get();
    double secs = Math.max(1e-9, time.since(start).toNanos() / 1e9);
    double rate = done / secs;
    StringBuilder sb = new StringBuilder(100);
    if (t >= 0) {
      long all = Math.max(0, t - skipped.get());
      double frac = all == 0 ? 1 : Math.min(1.0, done / (double) all);
      if (bar) {
        int width = 24;
        int fill = (int) Math.round(frac * width);
        sb.append('[').append("#".repeat(fill)).append(".".repeat(width - fill)).append("] ");
      }
      sb.append(String.format(Locale.ROOT, "%3.0f%% %d/%d %s", frac * 100, done, all, unit));
    } else {
      sb.append(done).append(' ').append(unit);
    }
    sb.append(String.format(Locale.ROOT, " | ok %d failed %d", ok.get(), failed.get()));
    if (retried.get() > 0) {
      sb.append(" retried ").append(retried.get());
    }
    sb.append(" running ").append(running.get());
    sb.append(String.format(Locale.ROOT, " | %.1f/s", rate));
    if (t >= 0 && rate > 0) {
      long left = Math.max(0, t - skipped.get() - done);
      sb.append(" eta ").append(Durations.human(Duration.ofMillis((long) (left / rate * 1000))));
    }
    sb.append(" elapsed ").append(Durations.human(time.since(start)));
    return sb.toString();
  }

  /** Draws the final line and stops. */
  @Override
  public void close() {
    closed = true;
    drawer.interrupt();
    try {
      drawer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    draw(true);
  }
}
