package dev.weft.test;

import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Runs a block and proves it left nothing behind: every thread weft started inside it has finished,
 * and every gauge given (permits in use, queued tasks) is back where it started.
 *
 * <p>Threads are judged by {@link Thread#join}: a structured call of weft returns once its tasks
 * have returned, and their threads end a few instructions later, so the check waits up to a grace
 * period for them before it fails, naming each thread with its stack. Stateless and thread-safe.
 *
 * {@snippet :
 * Permits db = Permits.of(10);
 * Leaks.assertNoLeaks(() -> Tasks.all(ids, id -> db.use(() -> load(id))),
 *     Leaks.gauge("db permits in use", db::inUse));
 * }
 */
public final class Leaks {

  private static final Duration GRACE = Duration.ofSeconds(5);

  private Leaks() {}

  /** A block of test code that may throw anything. */
  @FunctionalInterface
  public interface Block {
    /**
     * Runs the block.
     *
     * @throws Throwable whatever the block throws
     */
    void run() throws Throwable;
  }

  /**
   * A named count that must be the same after the block as before it.
   *
   * @param name what it counts, for the failure message
   * @param value reads the count
   */
  public record Gauge(String name, LongSupplier value) {
    /** Validates the parts. */
    public Gauge {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }
  }

  /** {@return a gauge named {@code name} reading {@code value}} */
  public static Gauge gauge(String name, LongSupplier value) {
    return new Gauge(name, value);
  }

  /**
   * Runs {@code block}, then fails if a weft thread it started is still alive after a grace period
   * or a gauge did not return to its starting value. What the block throws is rethrown after the
   * check (or attached to the leak failure as suppressed).
   *
   * @param block the code under test
   * @param gauges counts that must return to their starting value
   * @throws Throwable what the block throws, or an {@link AssertionError} describing the leak
   */
  public static void assertNoLeaks(Block block, Gauge... gauges) throws Throwable {
    Set<Thread> before = new HashSet<>(WeftThreads.live());
    long[] start = new long[gauges.length];
    for (int i = 0; i < gauges.length; i++) {
      start[i] = gauges[i].value().getAsLong();
    }
    Throwable thrown = null;
    try {
      block.run();
    } catch (Throwable t) {
      thrown = t;
    }
    List<String> leaks = new ArrayList<>();
    TimeSource time = TimeSource.system();
    long giveUp = time.readAfter(GRACE);
    for (Thread t : WeftThreads.live()) {
      if (before.contains(t)) {
        continue;
      }
      long left = giveUp - time.read();
      if (left > 0) {
        t.join(Duration.ofNanos(left));
      }
      if (t.isAlive()) {
        leaks.add(describe(t));
      }
    }
    for (int i = 0; i < gauges.length; i++) {
      long end = gauges[i].value().getAsLong();
      if (end != start[i]) {
        leaks.add(gauges[i].name() + " was " + start[i] + " before and " + end + " after");
      }
    }
    if (!leaks.isEmpty()) {
      AssertionError error = new AssertionError("leaked: " + String.join("; ", leaks));
      if (thrown != null) {
        error.addSuppressed(thrown);
      }
      throw error;
    }
    if (thrown != null) {
      throw thrown;
    }
  }

  private static String describe(Thread t) {
    StringBuilder s = new StringBuilder("thread '").append(t.getName()).append("' still alive");
    for (StackTraceElement e : t.getStackTrace()) {
      s.append("\n\tat ").append(e);
    }
    return s.toString();
  }
}
