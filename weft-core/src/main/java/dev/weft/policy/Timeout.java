package dev.weft.policy;

import dev.weft.observe.Listener;
import dev.weft.observe.WeftThreads;
import dev.weft.task.CancellationSource;
import dev.weft.task.CancellationToken;
import dev.weft.task.DeadlineExceededException;
import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.Settled;
import dev.weft.task.TaskContext;
import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Bounds how long work may run. The work runs as a task of a {@link Scope} whose deadline is the
 * timeout (nested within the current task's deadline, so the earlier wins); when it passes, the
 * scope cancels the work, by interrupting it <em>and</em> cancelling the {@link CancellationToken}
 * it reads through {@link TaskContext#token()}, and the call throws {@link
 * DeadlineExceededException}. The work sees the deadline through {@link TaskContext#deadline()}, to
 * pass on to a JDBC or HTTP timeout.
 *
 * <p>By default the call returns only once the work has actually stopped: work that ignores the
 * interrupt and the token delays the caller (and after a grace period the scope names it, with its
 * stack, in a warning and a {@code StuckTaskEvent}), but never runs on unseen after the call.
 * {@link #withReturnEarly(Consumer)} opts out: the caller is released at the deadline and the
 * thread still waiting for the cancelled work is handed to the given diagnostic; an enclosing
 * {@link Bulkhead} keeps its permit until that work ends.
 *
 * <p>Immutable and thread-safe; the configuring methods return copies. By default the work runs on
 * the caller's thread and no thread is started per call: one shared timer thread per time source
 * ({@code weft-timeout-timer}, alive only while calls are timed) watches every deadline, and a call
 * that returns in time costs two compare-and-sets and no lock. Only when a deadline passes does a
 * short-lived {@code weft-timeout} thread cancel the token and interrupt the work. The early-return
 * mode runs the work in a {@link Scope} on a thread of its own ({@code weft-timeout-work}).
 *
 * {@snippet :
 * Timeout timeout = Timeout.of(Duration.ofSeconds(2)).withName("report");
 * Report report = timeout.call(() -> reports.render(id)); // cancelled after 2 s
 * }
 */
public final class Timeout implements Policy<Object> {

  private static final ThreadFactory RUNNERS = WeftThreads.virtual("weft-timeout-work");

  private final String name;
  private final Duration timeout;
  private final TimeSource time;
  private final TimeoutTimer timer;
  private final Listener listener;
  private final @Nullable Consumer<Thread> stillRunning;

  private Timeout(
      String name,
      Duration timeout,
      TimeoutTimer timer,
      Listener listener,
      @Nullable Consumer<Thread> stillRunning) {
    this.name = name;
    this.timeout = timeout;
    this.time = timer.time();
    this.timer = timer;
    this.listener = listener;
    this.stillRunning = stillRunning;
  }

  /**
   * {@return a timeout of {@code timeout} on the system clock}
   *
   * @param timeout positive
   */
  public static Timeout of(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
    }
    return new Timeout(
        "timeout", timeout, TimeoutTimer.of(TimeSource.system()), Listener.none(), null);
  }

  /** {@return a copy with this name, used in events, messages and the scope's name} */
  public Timeout withName(String name) {
    return new Timeout(Calls.requireName(name), timeout, timer, listener, stillRunning);
  }

  /** {@return a copy that measures time on {@code time}} */
  public Timeout withTimeSource(TimeSource time) {
    return new Timeout(
        name,
        timeout,
        TimeoutTimer.of(Objects.requireNonNull(time, "time")),
        listener,
        stillRunning);
  }

  /** {@return a copy that emits {@link PolicyEvent.TimedOut} to {@code listener}} */
  public Timeout withListener(Listener listener) {
    return new Timeout(
        name, timeout, timer, Objects.requireNonNull(listener, "listener"), stillRunning);
  }

  /**
   * {@return a copy that releases the caller as soon as the deadline passes, even if the cancelled
   * work runs on}
   *
   * @param stillRunning receives the thread that waits for the cancelled work and ends when it
   *     stops; called on the caller's thread, must not block
   */
  public Timeout withReturnEarly(Consumer<Thread> stillRunning) {
    return new Timeout(
        name, timeout, timer, listener, Objects.requireNonNull(stillRunning, "stillRunning"));
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return the limit} */
  public Duration timeout() {
    return timeout;
  }

  @Override
  public String toString() {
    return "Timeout["
        + name
        + ", "
        + timeout
        + (stillRunning == null ? "" : ", returns early")
        + "]";
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    Consumer<Thread> early = stillRunning;
    if (early == null) {
      return onCaller(work);
    }
    return returnEarly(work, early);
  }

  /*
   * The default mode: the work runs on the caller's thread, bound (TaskContext.callWithin) to a
   * token of its own, linked to the enclosing task's, and to the deadline, which is registered with
   * the shared timer. The caller and the timer race on the entry's state: RUNNING -> DONE (the work
   * returned first: the caller returns at once, the timer drops the entry later) or RUNNING ->
   * FIRED (the timer won: a firing thread cancels the token and interrupts the caller; the caller,
   * once the work has returned, waits until that interrupt has been delivered, so that none can
   * arrive after the call, clears it and throws DeadlineExceededException). No thread hand-off on
   * the success path.
   */
  @SuppressWarnings("ReferenceEquality") // identity is meant: is it this very time source?
  private @Nullable Object onCaller(Callable<?> work) throws Exception {
    Deadline deadline = Deadline.after(timeout, time).earlier(TaskContext.deadline());
    CancellationSource source = new CancellationSource();
    CancellationToken outer = TaskContext.token();
    CancellationToken.Registration link =
        outer == CancellationToken.none()
            ? CancellationToken.Registration.NOOP
            : outer.onCancel(() -> source.cancel("the enclosing task was cancelled"));
    TimeoutTimer t = deadline.timeSource() == time ? timer : TimeoutTimer.of(deadline.timeSource());
    TimeoutTimer.Entry entry = t.start(source, deadline.ticks(), name, timeout);
    Object result = null;
    Throwable failure = null;
    try {
      result = TaskContext.callWithin(source.token(), deadline, work);
    } catch (Throwable e) {
      failure = e;
    } finally {
      link.close();
    }
    if (t.finish(entry)) {
      if (failure != null) {
        throw rethrow(failure);
      }
      return result;
    }
    TimeoutTimer.awaitFired(entry);
    if (!listener.isNone()) {
      Listener.emit(listener, new PolicyEvent.TimedOut(name, timeout, true));
    }
    DeadlineExceededException e =
        new DeadlineExceededException(
            "timeout '"
                + name
                + "' of "
                + timeout
                + " passed; the work was interrupted, its token cancelled, and it has stopped",
            timeout);
    if (failure != null) {
      e.addSuppressed(failure);
    }
    throw e;
  }

  /**
   * Runs {@code work} as the one task of a collect-all scope with the deadline, so that the work's
   * own exception comes back unwrapped (a fail-fast join would wrap a checked one).
   */
  private @Nullable Object inScope(
      Callable<?> work, Deadline deadline, @Nullable CancellationToken outer) throws Exception {
    Scope.Builder b = Scope.builder().name(name).deadline(deadline).time(time).collectAll();
    if (outer != null) {
      b.cancellation(outer);
    }
    try (Scope scope = b.open()) {
      Fork<?> fork = scope.fork(work);
      try {
        scope.join();
      } catch (DeadlineExceededException e) {
        if (!listener.isNone()) {
          Listener.emit(listener, new PolicyEvent.TimedOut(name, timeout, true));
        }
        throw e;
      }
      return switch (fork.settled()) {
        case Settled.Success<?> s -> s.value();
        case Settled.Failure<?> f -> throw rethrow(f.cause());
      };
    }
  }

  private static Exception rethrow(Throwable failure) {
    if (failure instanceof Error e) {
      throw e;
    }
    return (Exception) failure;
  }

  /*
   * The early-return mode. A runner thread runs the scope (which cancels the work at the deadline
   * and waits for it); the caller parks until the runner's outcome or the deadline. On timeout the
   * caller hands the runner to the diagnostic and, inside a bulkhead, defers the permit's release
   * to the runner's end: the runner and the caller agree through Run.after which of them releases.
   */
  private @Nullable Object returnEarly(Callable<?> work, Consumer<Thread> early) throws Exception {
    Deadline deadline = Deadline.after(timeout, time).earlier(TaskContext.deadline());
    CancellationToken outer = TaskContext.token();
    Run run = new Run(Thread.currentThread(), () -> inScope(work, deadline, outer));
    Thread runner = RUNNERS.newThread(run);
    runner.start();
    while (!run.done) {
      if (deadline.isExpired()) {
        CallHold hold = CallHold.current();
        if (hold != null) {
          Runnable release = hold.deferFor();
          if (!run.after.compareAndSet(null, release)) {
            release.run(); // the runner ended meanwhile
          }
        }
        if (!run.done) {
          early.accept(runner);
        }
        if (!listener.isNone()) {
          Listener.emit(listener, new PolicyEvent.TimedOut(name, timeout, run.done));
        }
        throw new DeadlineExceededException(
            "timeout '"
                + name
                + "' of "
                + timeout
                + " passed; the caller returned early and the cancelled work may still run",
            timeout);
      }
      time.parkUntil(deadline.ticks());
      if (Thread.interrupted()) {
        runner.interrupt();
        Thread.currentThread().interrupt();
        throw Calls.interrupted(name);
      }
    }
    Throwable failure = run.failure;
    if (failure != null) {
      throw rethrow(failure);
    }
    return run.result;
  }

  private static final class Run implements Runnable {
    static final Runnable ENDED = () -> {};
    final Thread caller;
    final Callable<?> work;
    final AtomicReference<@Nullable Runnable> after = new AtomicReference<>();
    volatile boolean done;
    @Nullable Object result; // written before done, read after
    @Nullable Throwable failure;

    Run(Thread caller, Callable<?> work) {
      this.caller = caller;
      this.work = work;
    }

    @Override
    public void run() {
      try {
        result = work.call();
      } catch (Throwable t) {
        failure = t;
      } finally {
        done = true;
        LockSupport.unpark(caller);
        Runnable release = after.getAndSet(ENDED);
        if (release != null) {
          release.run();
        }
      }
    }
  }
}
