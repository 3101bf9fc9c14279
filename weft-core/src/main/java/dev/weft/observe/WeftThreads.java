package dev.weft.observe;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * Every thread weft makes comes from here: it gets a name that says who made it ({@code
 * weft-queue-orders-3}) and is listed by {@link #live()} from creation until its task returns. A
 * structured call of weft leaves none behind once it returns; leak checks and diagnostics read the
 * list. Users may take these factories for threads of their own that they want listed.
 *
 * <p>Thread-safe; {@link #live()} returns a fresh snapshot each call.
 *
 * {@snippet :
 * ThreadFactory workers = WeftThreads.virtual("weft-queue-orders");
 * Thread t = workers.newThread(() -> process()); // named weft-queue-orders-0
 * t.start();
 * }
 */
public final class WeftThreads {

  private static final Set<Thread> LIVE = ConcurrentHashMap.newKeySet();

  private WeftThreads() {}

  /** {@return a factory of virtual threads named {@code prefix-0}, {@code prefix-1}, ...} */
  public static ThreadFactory virtual(String prefix) {
    return tracked(Thread.ofVirtual().name(prefix + "-", 0).factory());
  }

  /** {@return a factory of platform threads named {@code prefix-0}, {@code prefix-1}, ...} */
  public static ThreadFactory platform(String prefix, boolean daemon) {
    return tracked(Thread.ofPlatform().name(prefix + "-", 0).daemon(daemon).factory());
  }

  /** {@return the threads these factories made whose task has not yet returned} */
  public static List<Thread> live() {
    return List.copyOf(LIVE);
  }

  private static ThreadFactory tracked(ThreadFactory factory) {
    return task -> {
      Thread thread =
          factory.newThread(() -> {
            try {
              task.run();
            } finally {
              LIVE.remove(Thread.currentThread());
            }
          });
      LIVE.add(thread);
      return thread;
    };
  }
}
