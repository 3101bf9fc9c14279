package dev.weft.cli;

import dev.weft.observe.WeftThreads;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * Ctrl-C or SIGTERM while a batch runs: tells the batch to stop, waits until the batch has recorded
 * what it finished ({@link #close()}), then exits with 255. Installed only in the real process
 * ({@link Main#signals()}), never when a test calls the command in its own JVM. Close it once the
 * batch has ended, in a {@code finally}.
 */
final class InterruptHook implements AutoCloseable {

  private final CountDownLatch ended = new CountDownLatch(1);
  private final @Nullable Thread hook;

  private InterruptHook(Runnable interrupt) {
    if (!Main.signals()) {
      this.hook = null;
      return;
    }
    Thread h =
        WeftThreads.platform("weft-interrupt", false)
            .newThread(() -> {
              interrupt.run();
              try {
                ended.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Runtime.getRuntime().halt(Main.ERROR);
            });
    Runtime.getRuntime().addShutdownHook(h);
    this.hook = h;
  }

  /**
   * {@return the hook, installed}
   *
   * @param interrupt tells the batch to stop starting work and end what runs
   */
  static InterruptHook install(Runnable interrupt) {
    return new InterruptHook(interrupt);
  }

  /** The batch has ended: a running hook may exit now; an idle one is removed. */
  @Override
  public void close() {
    ended.countDown();
    Thread h = hook;
    if (h != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(h);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it exits with 255 once we return
      }
    }
  }
}
