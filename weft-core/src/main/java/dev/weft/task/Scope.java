package dev.weft.task;

import dev.weft.observe.Listener;
import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A nursery of concurrent tasks: {@link #fork(Callable)} starts each on its own virtual thread (or
 * a given executor), {@link #join()} waits for all of them, and {@link #close()} never returns
 * while one still runs. By default a failing task cancels its siblings and {@code join()} rethrows
 * it (fail-fast); a scope {@linkplain Builder#collectAll() opened to collect all outcomes} lets
 * every task finish and leaves the outcomes on the forks.
 *
 * <p>Not thread-safe, by design: it is confined to the thread that opened it (its owner), which
 * alone may {@code fork}, {@code join} and {@code close}; another thread gets a {@link
 * WrongThreadException}. {@link #cancel()} may be called from any thread, including a fork. Use it
 * in a try-with-resources block:
 *
 * {@snippet :
 * try (var scope = Scope.open(Deadline.after(Duration.ofSeconds(2)))) {
 *   Fork<Left> a = scope.fork(() -> left());
 *   Fork<Right> b = scope.fork(() -> right());
 *   scope.join();                 // throws the first failure; the other task is cancelled
 *   return combine(a.get(), b.get());
 * }
 * }
 *
 * <p><b>Cancellation</b> interrupts each running fork <em>and</em> cancels the scope's {@link
 * CancellationToken}, which forks read through {@link TaskContext#token()}. A scope is cancelled
 * when a fork fails (fail-fast), when its deadline passes while the owner waits in {@code join()},
 * when {@link #cancel()} is called, when the owner is interrupted while waiting, when the token of
 * the enclosing task or the one given to {@link Builder#cancellation(CancellationToken)} is
 * cancelled, and by {@code close()} if forks are still running. Waiting continues until every fork
 * has returned: a task that ignores interrupts delays {@code join()} and {@code close()}, and after
 * a grace period ({@link Builder#stuckGrace(Duration)}, 5 seconds by default) each such task is
 * named, with its stack, in a warning logged through {@link System.Logger} {@code dev.weft.task}
 * and a {@link StuckTaskEvent}.
 *
 * <p><b>Deadlines nest</b>: a scope's deadline is the earlier of the one it was opened with and the
 * deadline of the task that opened it, and its forks see it through {@link TaskContext#deadline()}.
 * It is enforced while the owner waits, on the scope's {@link TimeSource}.
 *
 * <p><b>Failures</b>: nothing is swallowed. {@code join()} throws the first failure (unchecked
 * unchanged, checked wrapped once in {@link TaskFailedException}) with later failures and
 * exceptions from cancellation callbacks attached as suppressed, plus a {@link FanOutException}
 * summary when the scope had more than one fork. A failure that nobody observes (no {@code join()}
 * threw it, no {@link Fork#get()} or {@link Fork#settled()} read it) is logged by {@code close()}.
 *
 * <p>Memory consistency effects: actions of the owner before {@code fork} happen-before the fork's
 * task runs; actions of every fork happen-before {@code join()} or {@code close()} returns.
 */
@SuppressWarnings("ReferenceEquality") // identity is meant: time sources, tokens, forks
public final class Scope implements AutoCloseable {

  /*
   * Overview for maintainers.
   *
   * Forks live in `forks`, an array only the owner writes; it is published to cancelling threads
   * through the volatile `forksView` (replaced when the array grows) and the volatile `forkCount`,
   * written in that order, and read in the reverse order. A canceller cancels the token first and
   * then reads `forkCount`; the owner publishes a fork and then reads the token: with volatiles on
   * both sides, either the canceller sees the fork and interrupts it, or the owner sees the
   * cancellation and cancels the fork itself.
   *
   * Waiting is OwnerWait's: it counts settled forks (the pending ones are `forkCount - settled`),
   * wakes the owner when enough settled, and runs the owner's wait loop. No lock anywhere: the hot
   * path is one thread start, one CAS and one increment per fork.
   *
   * The forks' threads are listed for leak checks as one WeftThreads group (ScopeThreads): each
   * fork holds its thread from before the start until it settles.
   *
   * `kind` records who cancelled first (CAS from NONE), which decides what join() throws.
   *
   * Parts: this class holds the fork bookkeeping and cancellation; ScopeFailures builds
   * what join() throws and logs unobserved failures; StuckForks reports forks that ignore
   * cancellation; OwnerWait is the owner's waiting; ScopeThreads lists the forks' threads; ForkImpl is one fork's state machine and
   * outcome.
   */

  static final System.Logger LOG = System.getLogger("dev.weft.task");
  // unnumbered: a name per thread was measured to cost a fifth of a 10,000-task fan-out
  private static final ThreadFactory THREADS = Thread.ofVirtual().name("weft-scope").factory();
  private static final Duration DEFAULT_STUCK_GRACE = Duration.ofSeconds(5);

  static final int UNLIMITED = Integer.MAX_VALUE;

  private static final int OPEN = 0;
  private static final int CLOSING = 1;
  private static final int CLOSED = 2;

  static final int NONE = 0;
  static final int BY_OWNER = 1;
  static final int BY_FAILURE = 2;
  static final int BY_DEADLINE = 3;
  static final int BY_OUTSIDE = 4;
  static final int BY_INTERRUPT = 5;

  private static final VarHandle KIND;

  static {
    try {
      KIND = MethodHandles.lookup().findVarHandle(Scope.class, "kind", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final @Nullable String name;
  private final boolean failFast;
  private final int limit;
  private final @Nullable Executor executor;
  private @Nullable ScopeThreads threads; // owner only: made at the first fork
  final Thread owner;
  final TimeSource time;
  final Deadline deadline;
  final long openedAt;
  final CancellationToken token;
  private final @Nullable ContextPropagator propagator;
  private final ScopedValue.Carrier carrier;
  final Listener listener;
  final Duration stuckGrace;
  final @Nullable Scope parent; // the scope one of whose forks opened this one, for the task tree
  private final List<CancellationToken.Registration> links = new ArrayList<>(2);
  private @Nullable Consumer<ForkImpl<?>> onSettle;

  private ForkImpl<?>[] forks; // owner only
  volatile ForkImpl<?>[] forksView;
  volatile int forkCount;
  private volatile int state = OPEN;
  final AtomicInteger failed = new AtomicInteger();
  volatile int kind = NONE;
  volatile @Nullable ForkImpl<?> primary;
  private final OwnerWait waiting = new OwnerWait(this);
  private @Nullable Throwable thrown; // owner only: what join() threw, thrown again

  private Scope(Builder b, int expectedForks) {
    Context parent = TaskContext.current();
    this.name = b.name;
    this.parent = parent.scope();
    this.failFast = b.failFast;
    this.limit = b.limit;
    this.executor = b.executor;
    this.owner = Thread.currentThread();
    TimeSource t = b.time;
    if (t == null) {
      t = b.deadline != null ? b.deadline.timeSource() : parent.time();
    }
    this.time = t;
    this.openedAt = t.read();
    Deadline d = parent.deadline();
    if (b.deadline != null) {
      d = b.deadline.earlier(d);
    }
    if (b.timeout != null) {
      d = Deadline.after(b.timeout, t).earlier(d);
    }
    this.deadline = d;
    this.propagator =
        b.propagator != null ? b.propagator : DefaultPropagator.orDefault(parent.propagator());
    this.listener = b.listener;
    this.stuckGrace = b.stuckGrace;
    this.forks = new ForkImpl<?>[Math.max(4, expectedForks)];
    this.forksView = forks;
    this.token = new CancellationToken(this::cancelForks, false);
    this.carrier =
        ScopedValue.where(TaskContext.CURRENT, new Context(token, d, t, this.propagator, this));
    link(parent.token());
    if (b.cancellation != null && b.cancellation != parent.token()) {
      link(b.cancellation);
    }
  }

  private void link(CancellationToken outer) {
    if (outer != CancellationToken.none()) {
      links.add(outer.onCancel(() -> cancelFromOutside(outer)));
    }
  }

  /**
   * {@return a new fail-fast scope owned by this thread, within the current task's deadline, whose
   * forks run on virtual threads}
   */
  public static Scope open() {
    return new Builder().open();
  }

  /**
   * {@return a new fail-fast scope owned by this thread whose deadline is the earlier of {@code
   * deadline} and the current task's; its time source is the deadline's}
   *
   * @param deadline when the scope's work must be done
   */
  public static Scope open(Deadline deadline) {
    return new Builder().deadline(deadline).open();
  }

  /** {@return a builder for a scope with a name, a mode, an executor, a deadline or a hook} */
  public static Builder builder() {
    return new Builder();
  }

  /** A scope for the combinators: named, fail-fast or not, sized for {@code expectedForks}. */
  static Scope internal(String name, boolean failFast, int expectedForks) {
    Builder b = new Builder().name(name);
    b.failFast = failFast;
    return new Scope(b, expectedForks);
  }

  /** A scope for {@link Tasks#withTimeout}. */
  static Scope internal(String name, Deadline deadline) {
    return new Builder().name(name).deadline(deadline).open();
  }

  /**
   * Forks {@code task}: starts it on a new virtual thread (or the scope's executor) with this
   * scope's token and deadline bound, and the caller's context carried by the propagator. In a
   * scope with a {@linkplain Builder#limit(int) limit}, first waits until fewer than that many
   * forks are running (enforcing the deadline meanwhile; an interrupt cancels the scope). If the
   * scope is cancelled (already, or while waiting), the task does not run and the fork settles as
   * cancelled.
   *
   * @param task the work
   * @param <T> the type of its result
   * @return the fork, to read after {@link #join()}
   * @throws IllegalStateException if {@link #close()} has started
   * @throws WrongThreadException if called from a thread other than the owner
   */
  public <T extends @Nullable Object> Fork<T> fork(Callable<? extends T> task) {
    return fork(null, task);
  }

  /**
   * Forks {@code task} under a name used in messages, logs and events; otherwise as {@link
   * #fork(Callable)}.
   *
   * @param name the task's name, or {@code null} for {@code task #<index>}
   * @param task the work
   * @param <T> the type of its result
   * @return the fork, to read after {@link #join()}
   * @throws IllegalStateException if {@link #close()} has started
   * @throws WrongThreadException if called from a thread other than the owner
   */
  public <T extends @Nullable Object> Fork<T> fork(
      @Nullable String name, Callable<? extends T> task) {
    Objects.requireNonNull(task, "task");
    if (state != OPEN) {
      throw new IllegalStateException(
          describe() + " is closed (close() has started); cannot fork another task");
    }
    checkOwner("fork");
    if (limit != UNLIMITED && pending() >= limit) {
      waiting.await(limit - 1);
    }
    int i = forkCount;
    ForkImpl<T> fork = new ForkImpl<>(this, i, name, task);
    if (i == forks.length) {
      forks = Arrays.copyOf(forks, i * 2);
      forksView = forks;
    }
    forks[i] = fork;
    forkCount = i + 1;
    if (token.isCancelled()) {
      fork.cancelBeforeStart();
      fork.run(); // settles as cancelled at once, on this thread
      return fork;
    }
    try {
      if (propagator != null) {
        fork.propagate(propagator);
      }
      ScopeThreads listed = threads;
      if (listed == null) {
        threads = listed = new ScopeThreads(this);
      }
      if (executor == null) {
        Thread t = THREADS.newThread(fork);
        fork.startedOn(t);
        listed.ensureListed();
        t.start();
      } else {
        listed.ensureListed(); // for the task tree: an executor's threads are not ours to list
        executor.execute(fork);
      }
    } catch (Throwable t) {
      // the thread did not start, or the executor rejected the fork: it never ran, so settle it
      // here (a canceller may already have marked it CANCELLED; it is still ours to settle)
      if (fork.markNeverStarted()) {
        settleFailure(fork, t);
      }
    }
    return fork;
  }

  /**
   * Waits until every fork has settled, then throws if the scope failed.
   *
   * <p>Returns normally when every fork has settled and the scope did not fail: in a fail-fast
   * scope, no fork failed; in a collect-all scope, always (read each fork's outcome). Throws, after
   * every fork has returned:
   *
   * <ul>
   *   <li>the first failure, unchanged if unchecked, else wrapped in {@link TaskFailedException},
   *       with later failures, callback failures and a {@link FanOutException} summary attached as
   *       suppressed (fail-fast scopes);
   *   <li>{@link DeadlineExceededException} if the deadline passed first;
   *   <li>{@link CancelledException} if the enclosing task or the given {@link CancellationToken}
   *       was cancelled, or if this thread was interrupted while waiting: then the forks are
   *       cancelled, waited for, and the interrupt status is set again before the exception is
   *       thrown.
   * </ul>
   *
   * A scope cancelled by {@link #cancel()} joins normally; its unfinished forks are cancelled. May
   * be called again after more forks.
   *
   * @throws IllegalStateException if the scope is closed
   * @throws WrongThreadException if called from a thread other than the owner
   */
  public void join() {
    checkOwner("join");
    if (state != OPEN) {
      throw new IllegalStateException(describe() + " is closed; cannot join");
    }
    waiting.await(0);
    if (waiting.interrupted()) {
      Thread.currentThread().interrupt();
    }
    throwIfFailed();
  }

  /**
   * Cancels the scope: forks not yet started never run, running forks are interrupted and see their
   * token cancelled, and cancellation callbacks run on this thread. Returns at once, without
   * waiting for the forks (the owner's {@link #join()} or {@link #close()} waits). Any thread may
   * call it; calling it again, or after the scope was cancelled otherwise, does nothing.
   */
  public void cancel() {
    cancel(BY_OWNER, new CancelledException(describe() + " was cancelled by cancel()"));
  }

  /**
   * Closes the scope: cancels the forks still running and waits until every fork has returned. A
   * fork that ignores interrupts keeps close waiting (see the stuck-task warning above). Failures
   * nobody observed, and exceptions thrown by cancellation callbacks that no {@code join()} threw,
   * are logged. If this thread is interrupted while waiting, close keeps waiting and sets the
   * interrupt status again before returning. Does nothing if the scope is already closed.
   *
   * @throws WrongThreadException if called from a thread other than the owner
   */
  @Override
  public void close() {
    if (state == CLOSED) {
      return;
    }
    checkOwner("close");
    state = CLOSING;
    if (pending() > 0) {
      cancel(
          BY_OWNER, new CancelledException(describe() + " was closed before its tasks finished"));
      waiting.await(0);
    }
    state = CLOSED;
    ScopeThreads listed = threads;
    if (listed != null) {
      listed.release(); // every fork has settled: the live list may keep the group, not the scope
    }
    for (CancellationToken.Registration link : links) {
      link.close();
    }
    ScopeFailures.reportUnobserved(this);
    if (waiting.interrupted()) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@return the scope's token, which its forks read through {@link TaskContext#token()}} */
  public CancellationToken token() {
    return token;
  }

  /** {@return the scope's deadline, already nested within the enclosing task's} */
  public Deadline deadline() {
    return deadline;
  }

  /** {@return whether the scope has been cancelled, for any reason} */
  public boolean isCancelled() {
    return token.isCancelled();
  }

  /** {@return the forks so far, in forking order} */
  public List<Fork<?>> forks() {
    int n = forkCount;
    return List.of(Arrays.copyOf(forksView, n));
  }

  @Override
  public String toString() {
    return "Scope["
        + (name == null ? "unnamed" : name)
        + ", "
        + forkCount
        + " forks, "
        + pending()
        + " pending"
        + (token.isCancelled() ? ", cancelled" : "")
        + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // for the combinators

  void onSettle(Consumer<ForkImpl<?>> hook) {
    this.onSettle = hook;
  }

  /** Cancels as the owner would, with a reason of the combinator's. */
  void cancelQuietly(String why) {
    cancel(BY_OWNER, new CancelledException(why));
  }

  /** Owner: waits until fewer than {@code limit} forks are pending, or the scope is cancelled. */
  void awaitRoom(int limit) {
    waiting.await(limit - 1);
  }

  ForkImpl<?> forkAt(int i) {
    return forksView[i];
  }

  int forkCount() {
    return forkCount;
  }

  ScopedValue.Carrier carrier() {
    return carrier;
  }

  String describe() {
    return name == null ? "scope" : "scope '" + name + "'";
  }

  /** {@return how many forks have not settled yet} */
  int pending() {
    return forkCount - waiting.settled();
  }

  // ---------------------------------------------------------------------------------------------
  // settling, called on the fork's thread

  void settleSuccess(ForkImpl<?> fork, @Nullable Object value) {
    fork.settle(ForkImpl.SUCCEEDED, value, null, 0);
    settled(fork);
  }

  void settleCancelledBeforeStart(ForkImpl<?> fork) {
    RuntimeException why = token.reason().orElse(null);
    fork.settle(
        ForkImpl.WAS_CANCELLED,
        null,
        new CancelledException(
            fork.describe()
                + " was cancelled before it started"
                + (why == null ? "" : ": " + why.getMessage()),
            why),
        time.read());
    settled(fork);
  }

  void settleFailure(ForkImpl<?> fork, Throwable t) {
    long at = time.read();
    if (token.isCancelled() && ScopeFailures.isCancellation(t)) {
      fork.settle(ForkImpl.WAS_CANCELLED, null, t, at);
    } else {
      fork.settle(ForkImpl.FAILED, null, t, at);
      failed.incrementAndGet();
      if (failFast && KIND.compareAndSet(this, NONE, BY_FAILURE)) {
        primary = fork;
        token.cancel(new CancelledException(fork.describe() + " failed: " + t, t));
      }
    }
    settled(fork);
  }

  private void settled(ForkImpl<?> fork) {
    Consumer<ForkImpl<?>> hook = onSettle;
    if (hook != null) {
      try {
        hook.accept(fork);
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.ERROR, describe() + ": internal settle hook failed", t);
      }
    }
    waiting.forkSettled();
  }

  // ---------------------------------------------------------------------------------------------
  // cancellation

  void cancel(int why, RuntimeException reason) {
    if (KIND.compareAndSet(this, NONE, why)) {
      token.cancel(reason);
    }
  }

  private void cancelFromOutside(CancellationToken outer) {
    RuntimeException why = outer.reason().orElse(null);
    String text = why == null ? "cancelled" : why.getMessage();
    cancel(
        BY_OUTSIDE,
        new CancelledException(describe() + " was cancelled from outside: " + text, why));
  }

  /** The token's own reaction, run after its callbacks by whichever thread cancels it. */
  private void cancelForks() {
    int n = forkCount;
    ForkImpl<?>[] view = forksView;
    for (int i = 0; i < n; i++) {
      view[i].interrupt();
    }
    waiting.wake();
  }

  // ---------------------------------------------------------------------------------------------
  // outcome

  private void throwIfFailed() {
    Throwable t = thrown;
    if (t == null) {
      t = ScopeFailures.failure(this);
      if (t == null) {
        return;
      }
      thrown = t;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw (RuntimeException) t;
  }

  private void checkOwner(String what) {
    Thread me = Thread.currentThread();
    if (me != owner) {
      throw new WrongThreadException(
          describe()
              + " is owned by thread '"
              + owner.getName()
              + "'; thread '"
              + me.getName()
              + "' cannot "
              + what
              + " (only cancel() may be called from any thread)");
    }
  }

  /**
   * Configures and opens a {@link Scope}. Each setter validates its argument at once. Not
   * thread-safe; build on one thread.
   *
   * {@snippet :
   * try (var scope = Scope.builder().name("report").timeout(Duration.ofSeconds(5)).collectAll().open()) {
   *   ...
   * }
   * }
   */
  public static final class Builder {
    private @Nullable String name;
    private boolean failFast = true;
    private int limit = UNLIMITED;
    private @Nullable Executor executor;
    private @Nullable Deadline deadline;
    private @Nullable Duration timeout;
    private @Nullable TimeSource time;
    private @Nullable CancellationToken cancellation;
    private @Nullable ContextPropagator propagator;
    private Listener listener = Listener.none();
    private Duration stuckGrace = DEFAULT_STUCK_GRACE;

    private Builder() {}

    /**
     * {@return this builder} Names the scope in messages, logs and events.
     *
     * @param name the scope's name
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * {@return this builder} Collects every outcome: a failing fork does not cancel its siblings,
     * and {@link #join()} throws only for the deadline or cancellation from outside.
     */
    public Builder collectAll() {
      this.failFast = false;
      return this;
    }

    /**
     * {@return this builder} Runs at most {@code limit} forks at once: {@link #fork(Callable)}
     * waits, on the owner's thread, until fewer than {@code limit} are running. Unlimited by
     * default.
     *
     * @param limit how many forks may run at once; at least 1
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public Builder limit(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be >= 1, was " + limit);
      }
      this.limit = limit;
      return this;
    }

    /**
     * {@return this builder} Runs forks on {@code executor} instead of a new virtual thread each.
     * Its threads are interrupted on cancellation (and the interrupt cleared before the thread runs
     * anything else); the executor must run every task it accepts, or {@code join()} waits for
     * ever. A rejected task settles as failed.
     *
     * @param executor where forks run
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * {@return this builder} Sets the deadline (nested within the enclosing task's); the scope's
     * time source becomes the deadline's unless {@link #time(TimeSource)} is given.
     *
     * @param deadline when the work must be done
     */
    public Builder deadline(Deadline deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    /**
     * {@return this builder} Sets the deadline to {@code timeout} after the scope opens, on its
     * time source (nested within any other deadline).
     *
     * @param timeout how long the work may take; zero or more
     * @throws IllegalArgumentException if negative
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be >= 0, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * {@return this builder} Sets the time source for timed waits (the deadline's, the enclosing
     * scope's or {@link TimeSource#system()} by default).
     *
     * @param time the time source; tests pass {@code dev.weft.test.ManualClock}
     */
    public Builder time(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * {@return this builder} Also cancels the scope when {@code token} is cancelled (such as a
     * {@link CancellationSource}'s), besides the enclosing task's token.
     *
     * @param token a token cancelled from outside
     */
    public Builder cancellation(CancellationToken token) {
      this.cancellation = Objects.requireNonNull(token, "token");
      return this;
    }

    /**
     * {@return this builder} Carries the caller's context into forks (replacing the inherited
     * propagator, if any).
     *
     * @param propagator the hook
     */
    public Builder propagator(ContextPropagator propagator) {
      this.propagator = Objects.requireNonNull(propagator, "propagator");
      return this;
    }

    /**
     * {@return this builder} Receives the scope's events ({@link StuckTaskEvent}).
     *
     * @param listener the receiver, {@link Listener#none()} by default
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * {@return this builder} Sets how long after cancellation a fork may keep running before it is
     * reported as stuck (5 seconds by default).
     *
     * @param grace the grace period; positive
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder stuckGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative() || grace.isZero()) {
        throw new IllegalArgumentException("stuckGrace must be > 0, was " + grace);
      }
      this.stuckGrace = grace;
      return this;
    }

    /** {@return a new scope owned by the calling thread} */
    public Scope open() {
      return new Scope(this, 4);
    }
  }
}
