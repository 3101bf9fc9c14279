package dev.weft.diagnose;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
import org.jspecify.annotations.Nullable;

/**
 * Reports virtual threads that blocked while pinned to their carrier thread: the Java form of
 * "blocking the event loop". A pinned virtual thread that blocks holds its carrier (one of only as
 * many as there are cores), so other virtual threads cannot run on it. The monitor streams the
 * JDK's own Flight Recorder event {@code jdk.VirtualThreadPinned} (the only detector since {@code
 * -Djdk.tracePinnedThreads} was removed) and hands each one, with stack, duration and reason, to a
 * consumer, or logs it.
 *
 * <p>What still pins on JDK 25 (JEP 491 removed pinning by {@code synchronized}): blocking while a
 * native frame is on the stack (a JNI or FFM downcall that calls back into Java), and blocking
 * inside a class initializer ({@code static {}}), the case the JDK reports as {@code VM call to
 * X.<clinit> on stack}. Blocking inside {@code synchronized} or {@code Object.wait} no longer pins.
 *
 * <p>Thread-safe. A monitor costs one Flight Recorder stream (a recording in memory, started in
 * about a second the first time), whose events Flight Recorder's own thread delivers in batches
 * about once a second. Close it to stop.
 *
 * {@snippet :
 * try (Pinning pinning = Pinning.start(Duration.ofMillis(20))) { // logs each at WARNING
 *   runServer();
 * }
 * }
 */
public final class Pinning implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.weft.diagnose");
  private static final String EVENT = "jdk.VirtualThreadPinned";

  private final RecordingStream stream;
  private final Duration threshold;

  /**
   * One time a virtual thread blocked while pinned.
   *
   * @param at when the blocking began (wall clock, from the event)
   * @param duration how long it blocked, pinned
   * @param threadName the virtual thread's name (empty when unnamed)
   * @param threadId the virtual thread's id
   * @param carrierName the carrier thread's name, or empty when the JDK did not say
   * @param reason why it was pinned, such as {@code VM call to X.<clinit> on stack}, or empty
   * @param blockingOperation what blocked, such as {@code LockSupport.park}, or empty
   * @param stack the virtual thread's stack, innermost first
   */
  public record Pinned(
      Instant at,
      Duration duration,
      String threadName,
      long threadId,
      String carrierName,
      String reason,
      String blockingOperation,
      List<String> stack) {

    /** Copies the stack. */
    public Pinned {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(duration, "duration");
      stack = List.copyOf(stack);
    }

    /** {@return a multi-line report: who, how long, why, then the stack} */
    public String report() {
      StringBuilder sb =
          new StringBuilder("Virtual thread \"")
              .append(threadName)
              .append("\" #")
              .append(threadId)
              .append(" blocked for ")
              .append(duration)
              .append(" while pinned to carrier \"")
              .append(carrierName)
              .append("\" at ")
              .append(at);
      if (!reason.isEmpty()) {
        sb.append("\n  reason: ").append(reason);
      }
      if (!blockingOperation.isEmpty()) {
        sb.append("\n  blocked in: ").append(blockingOperation);
      }
      for (String frame : stack) {
        sb.append("\n      at ").append(frame);
      }
      return sb.toString();
    }
  }

  private Pinning(Duration threshold, Consumer<Pinned> onPinned) {
    this.threshold = threshold;
    this.stream = new RecordingStream();
    stream.enable(EVENT).withThreshold(threshold).withStackTrace();
    stream.onEvent(
        EVENT,
        event -> {
          try {
            onPinned.accept(pinned(event));
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "pinning handler failed", e);
          }
        });
    stream.startAsync(); // the recording is on when this returns; events go to JFR's thread
  }

  /**
   * {@return a monitor that logs, at {@code WARNING} on the {@code System.Logger} named {@code
   * dev.weft.diagnose}, each time a virtual thread blocks pinned for at least {@code threshold}}
   *
   * @param threshold the shortest pinned block reported; zero reports all (the JDK's default is 20
   *     ms)
   * @throws IllegalArgumentException if {@code threshold} is negative
   */
  public static Pinning start(Duration threshold) {
    return start(threshold, p -> LOG.log(System.Logger.Level.WARNING, p.report()));
  }

  /**
   * {@return a monitor that hands {@code onPinned} each time a virtual thread blocks pinned for at
   * least {@code threshold}}, on Flight Recorder's stream thread; what it throws is logged
   *
   * @param threshold the shortest pinned block reported; zero reports all
   * @param onPinned receives each report
   * @throws IllegalArgumentException if {@code threshold} is negative
   */
  public static Pinning start(Duration threshold, Consumer<Pinned> onPinned) {
    Objects.requireNonNull(threshold, "threshold");
    Objects.requireNonNull(onPinned, "onPinned");
    if (threshold.isNegative()) {
      throw new IllegalArgumentException("threshold must be >= 0, was " + threshold);
    }
    return new Pinning(threshold, onPinned);
  }

  private static Pinned pinned(RecordedEvent e) {
    RecordedThread vt = e.getThread("eventThread");
    RecordedThread carrier = e.hasField("carrierThread") ? e.getThread("carrierThread") : null;
    List<String> stack = new ArrayList<>();
    RecordedStackTrace trace = e.getStackTrace();
    if (trace != null) {
      for (RecordedFrame f : trace.getFrames()) {
        stack.add(
            f.getMethod().getType().getName()
                + "."
                + f.getMethod().getName()
                + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : ""));
      }
    }
    return new Pinned(
        e.getStartTime(),
        e.getDuration(),
        vt == null || vt.getJavaName() == null ? "" : vt.getJavaName(),
        vt == null ? -1 : vt.getJavaThreadId(),
        carrier == null || carrier.getJavaName() == null ? "" : carrier.getJavaName(),
        text(e, "pinnedReason"),
        text(e, "blockingOperation"),
        stack);
  }

  private static String text(RecordedEvent e, String field) {
    if (!e.hasField(field)) {
      return "";
    }
    @Nullable Object v = e.getValue(field);
    return v == null ? "" : v.toString();
  }

  /**
   * Stops the recording and its stream; events not yet delivered are dropped. Returns once the
   * stream's thread has stopped delivering. Idempotent.
   */
  @Override
  public void close() {
    stream.close();
  }

  @Override
  public String toString() {
    return "Pinning[threshold " + threshold + "]";
  }
}
