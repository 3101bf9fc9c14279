package dev.weft.task;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * One fork: the {@code Runnable} its thread runs, and its outcome.
 *
 * <p>Overview for maintainers. {@code run} is a small state machine that makes interrupting safe on
 * threads weft does not own (an executor's): NEW -> RUNNING (the fork's thread, after writing
 * {@code runner}) -> DONE (the fork's thread, when the task returns). A canceller moves NEW ->
 * CANCELLED (the task never runs) or RUNNING -> INTERRUPTING -> INTERRUPTED around its {@code
 * interrupt()}; a fork that finds INTERRUPTING when it tries to finish waits for INTERRUPTED and
 * clears its interrupt, so a cancellation never leaks into the next task of a pooled thread. The
 * outcome ({@code value}/{@code failure}) is written before the volatile {@code outcome}, and
 * before the scope's pending count is decremented, which is how the owner sees it after join.
 */
final class ForkImpl<T extends @Nullable Object>
    implements Fork<T>, Runnable, ScopedValue.CallableOp<T, Exception> {

  static final int NEW = 0;
  static final int RUNNING = 1;
  static final int DONE = 2;
  static final int CANCELLED = 3;
  static final int INTERRUPTING = 4;
  static final int INTERRUPTED = 5;

  static final int PENDING = 0;
  static final int SUCCEEDED = 1;
  static final int FAILED = 2;
  static final int WAS_CANCELLED = 3;

  private static final VarHandle RUN;
  private static final VarHandle THREAD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      RUN = l.findVarHandle(ForkImpl.class, "run", int.class);
      THREAD = l.findVarHandle(ForkImpl.class, "thread", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Scope scope;
  final int index;
  final @Nullable String name;
  private final Callable<? extends T> task;

  @SuppressWarnings("UnusedVariable") // accessed through RUN
  private volatile int run;

  volatile @Nullable Thread runner;

  @SuppressWarnings("UnusedVariable") // accessed through THREAD
  private @Nullable Thread thread; // the scope's own thread for this fork, until it settles

  private @Nullable Runnable wrapped; // written before the thread starts
  private boolean bodyRan; // fork thread only
  private @Nullable Object bodyValue; // fork thread only
  private @Nullable Throwable bodyFailure; // fork thread only
  private @Nullable Object value; // written before outcome
  @Nullable Throwable failure; // written before outcome
  long settledAt; // written before outcome
  volatile int outcome;
  volatile boolean observed;

  ForkImpl(Scope scope, int index, @Nullable String name, Callable<? extends T> task) {
    this.scope = scope;
    this.index = index;
    this.name = name;
    this.task = task;
  }

  @Override
  public void run() {
    runner = Thread.currentThread();
    if (!RUN.compareAndSet(this, NEW, RUNNING)) {
      runner = null;
      scope.settleCancelledBeforeStart(this);
      return;
    }
    T result = null;
    Throwable thrown = null;
    try {
      result = scope.carrier().call(this);
    } catch (Throwable t) {
      thrown = t;
    }
    if (!RUN.compareAndSet(this, RUNNING, DONE)) {
      while ((int) RUN.getVolatile(this) != INTERRUPTED) {
        Thread.onSpinWait();
      }
      Thread.interrupted(); // the scope's interrupt must not outlive the task
    }
    runner = null;
    if (thrown == null) {
      scope.settleSuccess(this, result);
    } else {
      scope.settleFailure(this, thrown);
    }
  }

  /**
   * Has the propagator wrap the body, on the forking thread, so that the context it installs is
   * restored before the fork settles.
   */
  void propagate(ContextPropagator propagator) {
    wrapped = propagator.wrap(this::runBody);
  }

  private void runBody() {
    bodyRan = true;
    try {
      bodyValue = task.call();
    } catch (Throwable t) {
      bodyFailure = t;
    }
  }

  /** The body, run inside the scope's bindings (and the propagator's context, if any). */
  @Override
  @SuppressWarnings({"unchecked", "NullAway"}) // bodyValue is the task's own T
  public T call() throws Exception {
    Runnable w = wrapped;
    if (w == null) {
      return task.call();
    }
    w.run();
    Throwable t = bodyFailure;
    if (t != null) {
      throw ForkImpl.<Exception>sneaky(t);
    }
    if (!bodyRan) {
      throw new IllegalStateException("the ContextPropagator did not run " + describe());
    }
    return (T) bodyValue;
  }

  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // rethrows t as it is
  private static <X extends Throwable> X sneaky(Throwable t) throws X {
    throw (X) t;
  }

  /** Cancels this fork: it never starts, or its thread is interrupted once. Any thread. */
  void interrupt() {
    for (; ; ) {
      int s = (int) RUN.getVolatile(this);
      if (s == NEW) {
        if (RUN.compareAndSet(this, NEW, CANCELLED)) {
          return;
        }
      } else if (s == RUNNING) {
        if (RUN.compareAndSet(this, RUNNING, INTERRUPTING)) {
          try {
            Thread r = runner;
            if (r != null) {
              r.interrupt();
            }
          } finally {
            RUN.setVolatile(this, INTERRUPTED);
          }
          return;
        }
      } else {
        return;
      }
    }
  }

  /**
   * After its thread failed to start: marks this fork so that it never runs.
   *
   * @return {@code true} if it had not run (NEW, or CANCELLED by a canceller before it started)
   */
  boolean markNeverStarted() {
    return RUN.compareAndSet(this, NEW, CANCELLED) || (int) RUN.getVolatile(this) == CANCELLED;
  }

  /** Marks this fork cancelled so that its thread, if started later, does nothing. */
  boolean cancelBeforeStart() {
    return RUN.compareAndSet(this, NEW, CANCELLED);
  }

  /** Owner, before starting {@code t}: lists it as this fork's thread until the fork settles. */
  void startedOn(Thread t) {
    THREAD.setRelease(this, t);
  }

  /** {@return the thread this fork runs on, while it has not settled (scope threads only)} */
  @Nullable Thread thread() {
    return (Thread) THREAD.getAcquire(this);
  }

  void settle(int how, @Nullable Object v, @Nullable Throwable t, long at) {
    THREAD.setRelease(this, null);
    value = v;
    failure = t;
    settledAt = at;
    outcome = how;
  }

  boolean isRunning() {
    int s = (int) RUN.getVolatile(this);
    return outcome == PENDING && (s == RUNNING || s == INTERRUPTING || s == INTERRUPTED);
  }

  @Override
  public int index() {
    return index;
  }

  @Override
  public String name() {
    return name == null ? "task #" + index : name;
  }

  String describe() {
    return TaskFailedException.describe(index, name);
  }

  @Override
  public State state() {
    return switch (outcome) {
      case SUCCEEDED -> State.SUCCEEDED;
      case FAILED -> State.FAILED;
      case WAS_CANCELLED -> State.CANCELLED;
      default -> State.RUNNING;
    };
  }

  @Override
  public T get() {
    int o = outcome;
    if (o == PENDING) {
      throw notSettled("get");
    }
    if (o == SUCCEEDED) {
      return value();
    }
    observed = true;
    throw unchecked();
  }

  @Override
  public Settled<T> settled() {
    int o = outcome;
    if (o == PENDING) {
      throw notSettled("settled");
    }
    if (o == SUCCEEDED) {
      return Settled.success(value());
    }
    observed = true;
    return Settled.failure(o == WAS_CANCELLED ? cancellation() : failureOrThrow());
  }

  @SuppressWarnings({"unchecked", "NullAway"}) // T is the task's own type, which may be nullable
  private T value() {
    return (T) value;
  }

  /** {@return the failure as thrown to callers: unchecked unchanged, checked wrapped once} */
  RuntimeException unchecked() {
    if (outcome == WAS_CANCELLED) {
      return cancellation();
    }
    Throwable t = failureOrThrow();
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new TaskFailedException(index, name, elapsed(), t);
  }

  Duration elapsed() {
    return Duration.ofNanos(settledAt - scope.openedAt);
  }

  private CancelledException cancellation() {
    Throwable t = failure;
    if (t instanceof CancelledException e) {
      return e;
    }
    return new CancelledException(describe() + " was cancelled", t);
  }

  private Throwable failureOrThrow() {
    Throwable t = failure;
    if (t == null) {
      throw new IllegalStateException(describe() + " has no failure");
    }
    return t;
  }

  private IllegalStateException notSettled(String method) {
    return new IllegalStateException(
        describe() + " of " + scope.describe() + " has not settled; call join() before " + method);
  }

  @Override
  public String toString() {
    return "Fork[" + name() + ", " + state() + "]";
  }
}
