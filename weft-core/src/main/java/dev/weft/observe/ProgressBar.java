package dev.weft.observe;

import dev.weft.time.TimeSource;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Shows a {@link Progress} on a text stream: on a terminal, a bar redrawn in place ({@code \r})
 * every {@linkplain Builder#refresh(Duration) refresh}; otherwise (a log file, a pipe, CI) a plain
 * line every {@linkplain Builder#plainEvery(Duration) plainEvery}. {@link #close()} draws the final
 * state and ends the line.
 *
 * <p>Thread-safe: frames are drawn under a lock, by the renderer's own thread once {@link
 * #start()}ed (a virtual thread named {@code weft-progress-N}) or by whoever calls {@link
 * #render()}. The renderer waits on the builder's {@link TimeSource}, so tests drive it with a
 * manual clock and a {@link java.io.StringWriter}.
 *
 * {@snippet :
 * Progress progress = Progress.of(jobs.size());
 * try (ProgressBar bar = ProgressBar.builder(progress).label("run").build().start()) {
 *   runAll(jobs, progress);
 * } // prints the final line
 * }
 *
 * <p>A terminal frame: {@code run [##########> ] 52% 520/1000 41.3/s ETA 0:12 3 failed}. A plain
 * line: {@code run: 520/1000 (52%), 41.3/s, ETA 0:12, 3 failed, elapsed 0:13}.
 */
public final class ProgressBar implements AutoCloseable {

  private final Progress progress;
  private final PrintWriter out;
  private final boolean terminal;
  private final int width;
  private final Duration interval;
  private final String label;
  private final TimeSource time;
  private final ReentrantLock lock = new ReentrantLock();
  private int lastLength; // guarded by lock
  private boolean finished; // guarded by lock
  private volatile boolean closing;
  private volatile @Nullable Thread renderer;

  private ProgressBar(Builder b) {
    this.progress = b.progress;
    this.out = new PrintWriter(b.out, false);
    this.terminal = b.terminal;
    this.width = b.width;
    this.interval = terminal ? b.refresh : b.plainEvery;
    this.label = b.label;
    this.time = b.time;
  }

  /**
   * {@return a builder of a bar showing {@code progress}}; by default it writes to {@code
   * System.err}, detects a terminal with {@link #stderrIsTerminal()}, is 80 columns wide, redraws
   * every 200 ms on a terminal and prints every 10 s otherwise, on the system clock
   *
   * @param progress what to show
   */
  public static Builder builder(Progress progress) {
    return new Builder(progress);
  }

  /**
   * {@return whether standard error is likely an interactive terminal}: the JVM has an interactive
   * console ({@link java.io.Console#isTerminal()}, which looks at standard input and output) and
   * {@code TERM} is set and not {@code dumb}. The JDK cannot test standard error alone, so a
   * command whose standard error alone is redirected should pass {@code terminal(false)}.
   */
  // console() is still declared nullable (e.g. with -Djdk.console set to an unknown provider)
  @SuppressWarnings("SystemConsoleNull")
  public static boolean stderrIsTerminal() {
    java.io.Console console = System.console();
    String term = System.getenv("TERM");
    return console != null && console.isTerminal() && term != null && !term.equals("dumb");
  }

  /**
   * Starts the renderer's thread, which draws a frame every interval until {@link #close()}.
   *
   * @return this bar
   * @throws IllegalStateException if already started or closed
   */
  public ProgressBar start() {
    lock.lock();
    try {
      if (renderer != null || closing) {
        throw new IllegalStateException("progress bar '" + label + "' already started or closed");
      }
      Thread t = WeftThreads.virtual("weft-progress").newThread(this::loop);
      renderer = t;
      t.start();
      return this;
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    long next = time.readAfter(interval);
    while (!closing) {
      time.parkUntil(next);
      if (closing) {
        return;
      }
      long now = time.read();
      if (now - next >= 0) {
        render();
        next = time.readAfter(interval);
      }
    }
  }

  /**
   * Draws one frame now: redraws the bar in place on a terminal, prints a line otherwise. Does
   * nothing after {@link #close()}. An I/O error of the stream is logged once and otherwise ignored
   * (progress output must never fail the work).
   */
  public void render() {
    lock.lock();
    try {
      if (finished) {
        return;
      }
      draw(progress.snapshot(), false);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the renderer's thread (and waits for it), then draws the final frame and ends the line.
   * Idempotent. Returns once the thread has ended; if interrupted while waiting, it keeps waiting
   * (the thread ends within one frame) and restores the interrupt flag.
   */
  @Override
  public void close() {
    closing = true;
    Thread t = renderer;
    if (t != null) {
      LockSupport.unpark(t);
      WeftThreads.joinUninterruptibly(t);
    }
    lock.lock();
    try {
      if (!finished) {
        draw(progress.snapshot(), true);
        finished = true;
      }
    } finally {
      lock.unlock();
    }
  }

  private void draw(Progress.Snapshot s, boolean last) {
    if (terminal) {
      String line = terminalLine(s, label, width);
      StringBuilder frame = new StringBuilder(line.length() + lastLength + 2).append('\r');
      frame.append(line);
      for (int i = line.length(); i < lastLength; i++) {
        frame.append(' '); // wipe what the previous, longer frame left
      }
      lastLength = line.length();
      if (last) {
        frame.append(System.lineSeparator());
      }
      out.print(frame);
    } else {
      out.print(plainLine(s, label) + System.lineSeparator());
    }
    out.flush(); // PrintWriter swallows I/O errors: progress output never fails the work
  }

  /**
   * {@return the one-line frame drawn on a terminal, at most {@code width - 1} characters}: label,
   * bar, percent, done/total, rate, ETA, failures
   *
   * @param s the state to draw
   * @param label a name for the work, may be empty
   * @param width the terminal's columns
   */
  public static String terminalLine(Progress.Snapshot s, String label, int width) {
    StringBuilder tail = new StringBuilder();
    if (s.fraction().isPresent()) {
      tail.append(String.format(Locale.ROOT, "%3d%% ", (int) (s.fraction().getAsDouble() * 100)));
      tail.append(s.done()).append('/').append(s.total().getAsLong());
    } else {
      tail.append(s.done()).append(" done");
    }
    s.ratePerSecond().ifPresent(r -> tail.append(' ').append(rate(r)).append("/s"));
    s.eta().ifPresent(e -> tail.append(" ETA ").append(clock(e)));
    if (s.failed() > 0) {
      tail.append(' ').append(s.failed()).append(" failed");
    }
    String head = label.isEmpty() ? "" : label + " ";
    int barWidth = width - 1 - head.length() - tail.length() - 3;
    StringBuilder line = new StringBuilder(head);
    if (barWidth >= 10 && s.fraction().isPresent()) {
      int filled = (int) (s.fraction().getAsDouble() * barWidth);
      line.append('[');
      for (int i = 0; i < barWidth; i++) {
        line.append(i < filled ? '#' : i == filled ? '>' : ' ');
      }
      line.append("] ");
    }
    line.append(tail);
    return line.length() > width - 1 ? line.substring(0, Math.max(0, width - 1)) : line.toString();
  }

  /**
   * {@return the line printed when the output is not a terminal}, such as {@code run: 520/1000
   * (52%), 41.3/s, ETA 0:12, 3 failed, elapsed 0:13}
   *
   * @param s the state to print
   * @param label a name for the work, may be empty
   */
  public static String plainLine(Progress.Snapshot s, String label) {
    StringBuilder line = new StringBuilder(label.isEmpty() ? "progress" : label).append(": ");
    if (s.fraction().isPresent()) {
      line.append(s.done()).append('/').append(s.total().getAsLong());
      line.append(String.format(Locale.ROOT, " (%d%%)", (int) (s.fraction().getAsDouble() * 100)));
    } else {
      line.append(s.done()).append(" done");
    }
    s.ratePerSecond().ifPresent(r -> line.append(", ").append(rate(r)).append("/s"));
    s.eta().ifPresent(e -> line.append(", ETA ").append(clock(e)));
    if (s.failed() > 0) {
      line.append(", ").append(s.failed()).append(" failed");
    }
    line.append(", elapsed ").append(clock(s.elapsed()));
    return line.toString();
  }

  private static String rate(double perSecond) {
    return perSecond >= 100
        ? String.format(Locale.ROOT, "%.0f", perSecond)
        : String.format(Locale.ROOT, "%.1f", perSecond);
  }

  /** {@return {@code d} as {@code M:SS} or {@code H:MM:SS}, rounded down to the second} */
  static String clock(Duration d) {
    long s = d.toSeconds();
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
        : String.format(Locale.ROOT, "%d:%02d", m, sec);
  }

  @Override
  public String toString() {
    return "ProgressBar[" + label + ", " + (terminal ? "terminal" : "plain") + "]";
  }

  /** Settings of a {@link ProgressBar}; each setter validates at once. Not thread-safe. */
  public static final class Builder {
    private final Progress progress;
    private Writer out = new PrintWriter(System.err, true, System.err.charset());
    private boolean terminal = stderrIsTerminal();
    private int width = 80;
    private Duration refresh = Duration.ofMillis(200);
    private Duration plainEvery = Duration.ofSeconds(10);
    private String label = "";
    private TimeSource time = TimeSource.system();

    private Builder(Progress progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Where frames go; {@code System.err} by default. The bar flushes but never closes it.
     *
     * @param out the stream
     * @return this builder
     */
    public Builder output(Writer out) {
      this.out = Objects.requireNonNull(out, "out");
      return this;
    }

    /**
     * Whether to redraw a bar in place (a terminal) or print plain lines.
     *
     * @param terminal true for a terminal
     * @return this builder
     */
    public Builder terminal(boolean terminal) {
      this.terminal = terminal;
      return this;
    }

    /**
     * The terminal's width in columns; 80 by default.
     *
     * @param width at least 20
     * @return this builder
     * @throws IllegalArgumentException if {@code width} is below 20
     */
    public Builder width(int width) {
      if (width < 20) {
        throw new IllegalArgumentException("width must be >= 20, was " + width);
      }
      this.width = width;
      return this;
    }

    /**
     * How often a terminal bar is redrawn; 200 ms by default.
     *
     * @param refresh positive
     * @return this builder
     * @throws IllegalArgumentException if {@code refresh} is not positive
     */
    public Builder refresh(Duration refresh) {
      this.refresh = positive("refresh", refresh);
      return this;
    }

    /**
     * How often a plain line is printed when the output is not a terminal; 10 s by default.
     *
     * @param plainEvery positive
     * @return this builder
     * @throws IllegalArgumentException if {@code plainEvery} is not positive
     */
    public Builder plainEvery(Duration plainEvery) {
      this.plainEvery = positive("plainEvery", plainEvery);
      return this;
    }

    /**
     * A name for the work, shown first; empty by default.
     *
     * @param label the name
     * @return this builder
     */
    public Builder label(String label) {
      this.label = Objects.requireNonNull(label, "label");
      return this;
    }

    /**
     * The clock the renderer waits on; {@link TimeSource#system()} by default. It need not be the
     * progress tracker's own clock.
     *
     * @param time the clock
     * @return this builder
     */
    public Builder time(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** {@return a bar with these settings; call {@link ProgressBar#start()} to animate it} */
    public ProgressBar build() {
      return new ProgressBar(this);
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, was " + d);
      }
      return d;
    }
  }
}
