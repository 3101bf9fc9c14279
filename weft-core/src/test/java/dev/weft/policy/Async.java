package dev.weft.policy;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Runs a callable on its own thread and hands back its outcome; test helper. */
final class Async<T> {

  private final Thread thread;
  private volatile T result;
  private volatile Throwable failure;
  private volatile boolean interruptedAtEnd;

  private Async(Callable<T> work, boolean virtual) {
    Runnable body =
        () -> {
          try {
            result = work.call();
          } catch (Throwable t) {
            failure = t;
          }
          interruptedAtEnd = Thread.currentThread().isInterrupted();
        };
    thread = virtual ? Thread.ofVirtual().unstarted(body) : Thread.ofPlatform().unstarted(body);
    thread.start();
  }

  static <T> Async<T> start(Callable<T> work) {
    return new Async<>(work, true);
  }

  static <T> Async<T> startPlatform(Callable<T> work) {
    return new Async<>(work, false);
  }

  Thread thread() {
    return thread;
  }

  /** Waits for the end (up to a minute, a hang guard) and returns the result or throws. */
  T get() throws Throwable {
    join();
    if (failure != null) {
      throw failure;
    }
    return result;
  }

  /** Waits for the end and returns what the work threw, or null. */
  Throwable failure() throws InterruptedException {
    join();
    return failure;
  }

  boolean interruptedAtEnd() throws InterruptedException {
    join();
    return interruptedAtEnd;
  }

  void join() throws InterruptedException {
    if (!thread.join(java.time.Duration.ofMinutes(1))) {
      StringBuilder s = new StringBuilder("hung: " + thread);
      for (StackTraceElement e : thread.getStackTrace()) {
        s.append("\n\tat ").append(e);
      }
      throw new AssertionError(s.toString());
    }
  }

  boolean isAlive() {
    return thread.isAlive();
  }

  static void await(java.util.concurrent.CountDownLatch latch) throws InterruptedException {
    if (!latch.await(1, TimeUnit.MINUTES)) {
      throw new AssertionError("latch not reached within a minute (hang guard)");
    }
  }
}
