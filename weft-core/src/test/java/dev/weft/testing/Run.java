package dev.weft.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** A thread started by a test, whose failure {@link #join()} rethrows. */
public final class Run {

  /** Test code that may throw anything. */
  @FunctionalInterface
  public interface Body {
    void run() throws Throwable;
  }

  private final Thread thread;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  private Run(String name, boolean virtual, Body body) {
    Runnable r =
        () -> {
          try {
            body.run();
          } catch (Throwable t) {
            failure.set(t);
          }
        };
    thread =
        virtual
            ? Thread.ofVirtual().name(name).unstarted(r)
            : Thread.ofPlatform().name(name).unstarted(r);
    thread.start();
  }

  public static Run start(String name, Body body) {
    return new Run(name, true, body);
  }

  public static Run platform(String name, Body body) {
    return new Run(name, false, body);
  }

  public Thread thread() {
    return thread;
  }

  /** Waits (at most a minute of real time, a hang guard) and rethrows what the thread threw. */
  public void join() throws Throwable {
    if (!thread.join(Duration.ofMinutes(1))) {
      StringBuilder s = new StringBuilder("thread " + thread.getName() + " hung:");
      for (StackTraceElement e : thread.getStackTrace()) {
        s.append("\n\tat ").append(e);
      }
      throw new AssertionError(s.toString());
    }
    Throwable t = failure.get();
    if (t != null) {
      throw t;
    }
  }

  /** {@return what the thread threw, after joining; null if it returned normally} */
  public Throwable failure() throws InterruptedException {
    thread.join(Duration.ofMinutes(1));
    return failure.get();
  }
}
