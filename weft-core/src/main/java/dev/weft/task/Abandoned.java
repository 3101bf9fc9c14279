package dev.weft.task;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The machinery of {@link Tasks#abandonOnCancel}: the call runs on a thread of its own while the
 * caller waits for it or for its own cancellation, whichever comes first; an abandoned call goes on
 * running, listed here (and by {@link TaskTree}) until it returns.
 *
 * <p>Overview for maintainers. {@code state} moves once from RUNNING to DONE (the call's thread,
 * after writing the outcome) or to ABANDONED (the caller, giving up); whoever loses the CAS knows
 * the other side won. The caller parks until DONE, its token is cancelled (the registered callback
 * unparks it) or it is interrupted; it re-reads {@code state} after each wake-up, so a wake-up
 * between its check and its park is never lost (park returns at once after an unpark).
 */
final class Abandoned<T extends @Nullable Object> implements Runnable {

  private static final ThreadFactory THREADS =
      Thread.ofVirtual().name("weft-abandonable-", 0).factory();

  /** The calls abandoned and still running, for the task tree. */
  private static final Set<Abandoned<?>> RUNNING = ConcurrentHashMap.newKeySet();

  private static final int RUNNING_STATE = 0;
  private static final int DONE = 1;
  private static final int ABANDONED = 2;

  private final String name;
  private final Callable<? extends T> task;
  private final Thread caller = Thread.currentThread();
  private final AtomicInteger state = new AtomicInteger(RUNNING_STATE);
  private @Nullable Thread thread;
  private long abandonedAt;
  private @Nullable T value;
  private @Nullable Throwable failure;

  private Abandoned(String name, Callable<? extends T> task) {
    this.name = name;
    this.task = task;
  }

  @SuppressWarnings("try") // the registration only needs closing
  static <T extends @Nullable Object> T call(String name, Callable<? extends T> task) {
    CancellationToken token = TaskContext.token();
    TimeSource time = TaskContext.timeSource();
    token.throwIfCancelled();
    Abandoned<T> call = new Abandoned<>(name, TaskContext.carry(task));
    Thread t = THREADS.newThread(call);
    call.thread = t;
    try (CancellationToken.Registration r = token.onCancel(call::wakeCaller)) {
      t.start();
      boolean interrupted = false;
      while (call.state.get() == RUNNING_STATE) {
        if (token.isCancelled() || interrupted) {
          call.abandonedAt = time.read();
          RUNNING.add(call); // before the CAS: a call that then ends removes itself after this
          if (call.state.compareAndSet(RUNNING_STATE, ABANDONED)) {
            t.interrupt(); // in case the call does respond to interrupts after all
            if (interrupted) {
              Thread.currentThread().interrupt();
            }
            RuntimeException why = token.reason().orElse(null);
            throw new CancelledException(
                "'"
                    + name
                    + "' was abandoned, still running on thread '"
                    + t.getName()
                    + "': "
                    + (interrupted ? "the caller was interrupted" : "the caller was cancelled")
                    + (why == null ? "" : " (" + why.getMessage() + ")"),
                why);
          }
          RUNNING.remove(call);
          break; // the call finished at that very moment: take its outcome
        }
        LockSupport.park(call);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Throwable f = call.failure;
    if (f != null) {
      if (f instanceof RuntimeException e) {
        throw e;
      }
      if (f instanceof Error e) {
        throw e;
      }
      throw new TaskFailedException(0, name, Duration.ZERO, f);
    }
    return call.value();
  }

  @SuppressWarnings("NullAway") // the task's own T, which may be null
  private T value() {
    return value;
  }

  @Override
  public void run() {
    try {
      value = task.call();
    } catch (Throwable t) {
      failure = t;
    }
    if (!state.compareAndSet(RUNNING_STATE, DONE)) {
      RUNNING.remove(this); // abandoned: nobody reads the outcome
      return;
    }
    LockSupport.unpark(caller);
  }

  private void wakeCaller() {
    LockSupport.unpark(caller);
  }

  /** {@return one line per abandoned call still running, for the task tree} */
  static List<String> describeRunning() {
    long now = TaskContext.timeSource().read();
    return RUNNING.stream()
        .map(a -> {
          Thread t = a.thread;
          return "abandoned call '"
              + a.name
              + "' still running on '"
              + (t == null ? "?" : t.getName())
              + "' for "
              + Duration.ofNanos(now - a.abandonedAt);
        })
        .sorted()
        .toList();
  }
}
