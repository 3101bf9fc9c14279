package dev.weft.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of one cancellation: running code asks it whether to stop ({@link
 * #isCancelled()}, {@link #throwIfCancelled()}) and registers callbacks that abort work which does
 * not block interruptibly ({@link #onCancel(Runnable)}). A token is cancelled at most once, with a
 * reason, and never un-cancelled. Each {@link Scope} has one (read by its forks through {@link
 * TaskContext#token()}); a {@link CancellationSource} owns one that code outside any scope cancels
 * (the {@code AbortController} case).
 *
 * <p>Thread-safe. Memory consistency effects: actions of the thread that cancels, before it
 * cancels, happen-before each callback runs and before {@link #isCancelled()} returns {@code true}
 * in another thread.
 *
 * {@snippet :
 * Process process = new ProcessBuilder("long-job").start();
 * try (var registration = TaskContext.token().onCancel(process::destroyForcibly)) {
 *   return process.waitFor();          // interrupted or destroyed when the scope is cancelled
 * }
 * }
 *
 * <p>Callbacks run exactly once, in registration order, on the thread that cancels (or at once on
 * the registering thread if the token is already cancelled). No lock is held while they run. A
 * callback that throws does not stop the others: the failure is collected and, for a scope's token,
 * attached as suppressed to what the scope's {@code join} throws (logged if nobody can see it); for
 * a {@link CancellationSource}'s token, it is logged through {@link System.Logger} {@code
 * dev.weft.task}.
 */
public final class CancellationToken {

  /*
   * Overview for maintainers: `reason` is volatile and written once, under `lock`; the callback
   * list (doubly linked, `head`) is guarded by `lock` and detached by the cancelling thread in the
   * same critical section that writes `reason`, so a callback is either in the detached list (run
   * by the canceller) or registered after (run at once by the registrant): never both, never
   * neither. Closing a registration after cancellation is a no-op; it never edits the detached list.
   */

  private static final System.Logger LOG = System.getLogger("dev.weft.task");

  private static final CancellationToken NONE = new CancellationToken(null, true);

  private final Object lock = new Object();
  private final @Nullable Runnable then;
  private final boolean logFailures;
  private volatile @Nullable RuntimeException reason;
  private @Nullable Node head; // guarded by lock
  private @Nullable Node tail; // guarded by lock
  private @Nullable List<Throwable> failures; // guarded by lock

  /**
   * @param then runs after the callbacks, on the cancelling thread (weft's own reaction, such as
   *     interrupting a scope's forks); must not throw
   * @param logFailures whether callback failures are logged at once rather than kept for {@link
   *     #drainFailures()}
   */
  CancellationToken(@Nullable Runnable then, boolean logFailures) {
    this.then = then;
    this.logFailures = logFailures;
  }

  /** {@return the token that is never cancelled: what code outside any scope sees} */
  public static CancellationToken none() {
    return NONE;
  }

  /** {@return whether this token has been cancelled} */
  public boolean isCancelled() {
    return reason != null;
  }

  /**
   * {@return why this token was cancelled, empty while it is not}: a {@link CancelledException}
   * naming who cancelled (a failed sibling as its cause), or a {@link DeadlineExceededException}.
   */
  public Optional<RuntimeException> reason() {
    return Optional.ofNullable(reason);
  }

  /**
   * Returns normally if this token is not cancelled; otherwise throws a new {@link
   * CancelledException} whose message states the reason and whose cause is {@link #reason()}.
   *
   * @throws CancelledException if the token is cancelled
   */
  public void throwIfCancelled() {
    RuntimeException why = reason;
    if (why != null) {
      throw new CancelledException("cancelled: " + why.getMessage(), why);
    }
  }

  /**
   * Registers {@code callback} to run once when this token is cancelled; if it already is, runs it
   * at once on this thread (and then propagates what it throws to the caller). Close the returned
   * registration when the work is done, so that a long-lived token does not keep the callback.
   *
   * @param callback what to run on cancellation; it should be quick and must not block for long
   * @return a registration whose {@link Registration#close()} removes the callback (a no-op once
   *     the callback has run or the token is cancelled)
   */
  public Registration onCancel(Runnable callback) {
    Objects.requireNonNull(callback, "callback");
    if (this == NONE) {
      return Registration.NOOP;
    }
    Node node = new Node(callback);
    synchronized (lock) {
      if (reason == null) {
        node.prev = tail;
        if (tail == null) {
          head = node;
        } else {
          tail.next = node;
        }
        tail = node;
        return node;
      }
    }
    callback.run();
    return Registration.NOOP;
  }

  /**
   * Cancels this token with {@code why}, then runs the callbacks and the internal reaction (so that
   * nested scopes linked by callbacks learn why before their owners are interrupted).
   *
   * @return {@code true} if this call cancelled the token, {@code false} if it already was
   */
  boolean cancel(RuntimeException why) {
    Node list;
    synchronized (lock) {
      if (reason != null || this == NONE) {
        return false;
      }
      reason = why;
      list = head;
      head = null;
      tail = null;
    }
    for (Node n = list; n != null; n = n.next) {
      try {
        n.callback.run();
      } catch (Throwable t) {
        if (logFailures) {
          LOG.log(System.Logger.Level.WARNING, "a cancellation callback failed", t);
        } else {
          synchronized (lock) {
            if (failures == null) {
              failures = new ArrayList<>(2);
            }
            failures.add(t);
          }
        }
      }
    }
    if (then != null) {
      then.run();
    }
    return true;
  }

  /** {@return the callback failures collected so far, removing them} */
  List<Throwable> drainFailures() {
    synchronized (lock) {
      List<Throwable> out = failures == null ? List.of() : List.copyOf(failures);
      failures = null;
      return out;
    }
  }

  private void remove(Node node) {
    synchronized (lock) {
      if (reason != null || node.removed) {
        return;
      }
      node.removed = true;
      if (node.prev == null) {
        head = node.next;
      } else {
        node.prev.next = node.next;
      }
      if (node.next == null) {
        tail = node.prev;
      } else {
        node.next.prev = node.prev;
      }
    }
  }

  @Override
  public String toString() {
    RuntimeException why = reason;
    if (this == NONE) {
      return "CancellationToken[none]";
    }
    return why == null
        ? "CancellationToken[active]"
        : "CancellationToken[cancelled: " + why.getMessage() + "]";
  }

  /**
   * A callback registered with {@link #onCancel(Runnable)}; closing it removes the callback.
   * Thread-safe; closing twice is harmless.
   */
  public interface Registration extends AutoCloseable {

    /** A registration that has nothing to remove. */
    Registration NOOP = () -> {};

    /** Removes the callback if it has not run yet; never throws. */
    @Override
    void close();
  }

  private final class Node implements Registration {
    final Runnable callback;
    @Nullable Node prev; // guarded by lock
    @Nullable Node next; // guarded by lock
    boolean removed; // guarded by lock

    Node(Runnable callback) {
      this.callback = callback;
    }

    @Override
    public void close() {
      remove(this);
    }
  }
}
