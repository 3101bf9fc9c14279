package dev.weft.policy;

import dev.weft.observe.Listener;
import dev.weft.observe.WeftThreads;
import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Bounds how long work may run: when the time passes, the work is interrupted and the call fails
 * with {@link TimeoutExceededException}. The limit is the timeout or the rest of the current
 * deadline, whichever is shorter.
 *
 * <p>By default the call returns only once the work has actually stopped: the work runs on the
 * caller's thread, a watcher interrupts it at the limit, and the caller gets the exception when the
 * interrupted work returns. Work that ignores interrupts therefore delays the caller, but never
 * runs on unseen after it. {@link #returnEarly(Consumer)} opts out: the work runs on its own
 * virtual thread, the caller is released at the limit, and the still-running thread is handed to
 * the given diagnostic (to log, or to watch); an enclosing {@link Bulkhead} keeps its permit until
 * that thread ends.
 *
 * <p>Immutable and thread-safe; the configuring methods return copies. Each call starts one
 * short-lived virtual thread ({@code weft-timeout}), which ends before the call returns (in the
 * early-return mode, when the work ends).
 *
 * {@snippet :
 * Timeout timeout = Timeout.of(Duration.ofSeconds(2)).named("report");
 * Report report = timeout.call(() -> reports.render(id)); // interrupted after 2 s
 * }
 */
public final class Timeout implements Policy<Object> {

  private static final ThreadFactory WATCHERS = WeftThreads.virtual("weft-timeout");
  private static final ThreadFactory RUNNERS = WeftThreads.virtual("weft-timeout-work");

  private final String name;
  private final long nanos;
  private final TimeSource time;
  private final Listener listener;
  private final @Nullable Consumer<Thread> stillRunning;

  private Timeout(
      String name,
      long nanos,
      TimeSource time,
      Listener listener,
      @Nullable Consumer<Thread> stillRunning) {
    this.name = name;
    this.nanos = nanos;
    this.time = time;
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
        "timeout", TimeSource.saturatedNanos(timeout), TimeSource.system(), Listener.none(), null);
  }

  /** {@return a copy with this name, used in events and messages} */
  public Timeout named(String name) {
    return new Timeout(Calls.requireName(name), nanos, time, listener, stillRunning);
  }

  /** {@return a copy that measures time on {@code time}} */
  public Timeout timeSource(TimeSource time) {
    return new Timeout(name, nanos, Objects.requireNonNull(time, "time"), listener, stillRunning);
  }

  /** {@return a copy that emits {@link PolicyEvent.TimedOut} to {@code listener}} */
  public Timeout listener(Listener listener) {
    return new Timeout(
        name, nanos, time, Objects.requireNonNull(listener, "listener"), stillRunning);
  }

  /**
   * {@return a copy that releases the caller as soon as the time passes, even if the work runs on}
   *
   * @param stillRunning receives the thread of work that was interrupted but had not stopped when
   *     the caller was released; called on the caller's thread, must not block
   */
  public Timeout returnEarly(Consumer<Thread> stillRunning) {
    return new Timeout(
        name, nanos, time, listener, Objects.requireNonNull(stillRunning, "stillRunning"));
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return the limit} */
  public Duration timeout() {
    return Duration.ofNanos(nanos);
  }

  @Override
  public String toString() {
    return "Timeout["
        + name
        + ", "
        + timeout()
        + (stillRunning == null ? "" : ", returns early")
        + "]";
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    long limit = nanos;
    Deadline enclosing = CurrentDeadline.get();
    if (!enclosing.isNever()) {
      limit = Math.min(limit, enclosing.remaining().toNanos());
    }
    long deadline = time.readAfter(Duration.ofNanos(limit));
    Consumer<Thread> early = stillRunning;
    return early == null
        ? stopThenReturn(work, limit, deadline)
        : returnEarly(work, limit, deadline, early);
  }

  /*
   * The default mode. The watcher and the caller race on one atomic: RUNNING -> DONE (the work
   * finished first; the watcher is unparked and exits) or RUNNING -> FIRED (the watcher won and
   * interrupts the caller). After the work returns, the caller joins the watcher, so no interrupt
   * can arrive after the call; if FIRED, it clears the interrupt the watcher delivered.
   */
  private @Nullable Object stopThenReturn(Callable<?> work, long limit, long deadline)
      throws Exception {
    Watch watch = new Watch(Thread.currentThread(), time, deadline);
    Thread watcher = WATCHERS.newThread(watch);
    watcher.start();
    Object result = null;
    Throwable failure = null;
    try {
      result = work.call();
    } catch (Throwable t) {
      failure = t;
    }
    boolean fired = !watch.state.compareAndSet(Watch.RUNNING, Watch.DONE);
    if (!fired) {
      LockSupport.unpark(watcher);
    }
    boolean interrupted = joinUninterruptibly(watcher);
    if (fired) {
      if (!listener.isNone()) {
        Listener.emit(listener, new PolicyEvent.TimedOut(name, Duration.ofNanos(limit), true));
      }
      // the watcher's interrupt was for the work; an interrupt from elsewhere during the join stays
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      throw new TimeoutExceededException(name, Duration.ofNanos(limit), true, failure);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return rethrowOrReturn(result, failure);
  }

  private static boolean joinUninterruptibly(Thread thread) {
    boolean interrupted = Thread.interrupted();
    while (true) {
      try {
        thread.join();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private static @Nullable Object rethrowOrReturn(
      @Nullable Object result, @Nullable Throwable failure) throws Exception {
    if (failure == null) {
      return result;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    throw (Exception) failure;
  }

  /** Interrupts the caller at the deadline unless the work finishes first. */
  private static final class Watch implements Runnable {
    static final int RUNNING = 0;
    static final int DONE = 1;
    static final int FIRED = 2;
    final AtomicInteger state = new AtomicInteger(RUNNING);
    final Thread caller;
    final TimeSource time;
    final long deadline;

    Watch(Thread caller, TimeSource time, long deadline) {
      this.caller = caller;
      this.time = time;
      this.deadline = deadline;
    }

    @Override
    public void run() {
      while (state.get() == RUNNING) {
        if (time.read() - deadline >= 0) {
          if (state.compareAndSet(RUNNING, FIRED)) {
            caller.interrupt();
          }
          return;
        }
        time.parkUntil(deadline);
        Thread.interrupted(); // nobody interrupts the watcher; keep parking if someone does
      }
    }
  }

  /*
   * The early-return mode. The work runs on its own thread and publishes its outcome in a Run; the
   * caller parks until the outcome or the deadline. On timeout the caller interrupts the work,
   * hands the thread to the diagnostic, and, inside a bulkhead, defers the permit's release to the
   * work's end: the work and the caller agree through Run.after which of them runs the release.
   */
  private @Nullable Object returnEarly(
      Callable<?> work, long limit, long deadline, Consumer<Thread> early) throws Exception {
    Run run = new Run(Thread.currentThread(), work);
    Thread worker = RUNNERS.newThread(run);
    worker.start();
    while (!run.done) {
      if (time.read() - deadline >= 0) {
        worker.interrupt();
        if (!run.done) {
          CallHold hold = CallHold.current();
          if (hold != null) {
            Runnable release = hold.deferFor();
            if (!run.after.compareAndSet(null, release)) {
              release.run(); // the work ended meanwhile
            }
          }
          early.accept(worker);
          if (!listener.isNone()) {
            Listener.emit(listener, new PolicyEvent.TimedOut(name, Duration.ofNanos(limit), false));
          }
          throw new TimeoutExceededException(name, Duration.ofNanos(limit), false, null);
        }
        break;
      }
      time.parkUntil(deadline);
      if (Thread.interrupted()) {
        worker.interrupt();
        Thread.currentThread().interrupt();
        early.accept(worker);
        throw Calls.interrupted(name);
      }
    }
    return rethrowOrReturn(run.result, run.failure);
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
