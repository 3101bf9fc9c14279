package dev.weft.stream;

import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.task.Scope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * What a concurrent stream stage has in flight: the base of the state of {@link ConcurrentMap} (one
 * element per unit) and {@link CpuMap} (a chunk of elements per unit). Each unit is a fork of one
 * fail-fast {@link Scope} owned by the stream's thread; this class keeps only the stage's policy on
 * top of it: the completion queue the stream's thread waits on, the ordered window, and the count
 * of units not yet handed back.
 *
 * <p>Overview for maintainers. The scope is opened at the first unit (so it binds the context of
 * the thread that runs the stream) and gives every fork the caller's deadline, token and propagated
 * context, interrupts them on cancellation and fails fast. A unit's callable hands itself back
 * through {@link #finished} in a {@code finally}, before its fork settles. A fork the scope cancels
 * before it starts never runs its callable, so the scope's token is watched too: its cancellation
 * puts {@link #WAKE} into the queue. Whenever the stream's thread takes {@code WAKE} or a failed
 * unit, or is interrupted while it waits, it calls {@link Scope#join()} and so throws what the
 * scope throws (the first failure, the enclosing task's cancellation or deadline, or {@link
 * CancelledException} for an interrupt, with the flag set again). Every way out of the stage calls
 * {@link #end()}, which closes the scope: what still runs is cancelled and waited for.
 *
 * <p>A scope keeps every fork it made until it closes, so a stage that has forked {@link
 * #ROTATE_AFTER} units closes its scope whenever it runs dry (no unit in flight) and opens a new
 * one at the next unit: a long stream does not pile up the engine's bookkeeping as long as it
 * pauses now and then.
 *
 * <p>Everything here belongs to the stream's thread, but {@link #finished}, which the units call.
 *
 * @param <U> one unit of work
 */
abstract class InFlight<U extends InFlight.Unit> {

  /** How many forks a scope makes before the stage replaces it when it runs dry. */
  static final int ROTATE_AFTER = 4096;

  private static final Object WAKE = new Object();

  /** The stages this thread has open, in the order they opened (see {@link #end()}). */
  private static final ThreadLocal<List<InFlight<?>>> ACTIVE = new ThreadLocal<>();

  /** One unit a fork runs: it hands itself back through {@link #finished} when it returns. */
  interface Unit extends Callable<@Nullable Void> {
    /** {@return whether the unit's work threw (what it threw is the scope's to report)} */
    boolean failed();
  }

  final ArrayDeque<U> window = new ArrayDeque<>();
  final long start = Failures.start();
  int running;

  private final LinkedBlockingQueue<Object> done = new LinkedBlockingQueue<>();
  private final String name;
  private final @Nullable Executor executor;
  private @Nullable Scope scope;
  private CancellationToken.@Nullable Registration wake;
  private int forked;
  private boolean listed; // in ACTIVE

  /**
   * @param name the stage's name in messages and in the task tree, such as {@code
   *     "Gather.mapConcurrent"}
   * @param executor where units run, or {@code null} for a virtual thread each
   */
  InFlight(String name, @Nullable Executor executor) {
    this.name = name;
    this.executor = executor;
  }

  /** Hands {@code unit} back to the stream's thread; called once by each unit that ran. */
  final void finished(U unit) {
    done.add(unit);
  }

  /** Forks {@code unit}, opening the scope if needed; throws if the scope was cancelled. */
  final void fork(U unit) {
    Scope s = scope;
    if (s != null && running == 0 && forked >= ROTATE_AFTER) {
      scope = null;
      closeAfterJoin(s);
      s = null;
    }
    if (s == null) {
      s = open();
    } else if (s.isCancelled()) {
      throw stopped(s);
    }
    running++;
    forked++;
    s.fork(unit);
  }

  /** Throws what the scope throws if it was cancelled (a fork failed, or from outside). */
  final void throwIfCancelled() {
    Scope s = scope;
    if (s != null && s.isCancelled()) {
      throw stopped(s);
    }
  }

  /** {@return the next unit handed back, waiting for it} Throws what the scope throws instead. */
  final U take() {
    Object o;
    try {
      o = done.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // join() sees it, cancels the forks and throws
      throw stopped(Objects.requireNonNull(scope, "scope"));
    }
    return counted(o);
  }

  /**
   * {@return the next unit handed back, if one is waiting} Throws what the scope throws instead.
   */
  final @Nullable U poll() {
    Object o = done.poll();
    return o == null ? null : counted(o);
  }

  @SuppressWarnings({"unchecked", "ReferenceEquality"}) // only units and WAKE go into done
  private U counted(Object o) {
    Scope s = Objects.requireNonNull(scope, "scope");
    if (o == WAKE) {
      throw stopped(s);
    }
    U unit = (U) o;
    running--;
    if (unit.failed()) {
      throw stopped(s);
    }
    return unit;
  }

  /** The normal end, once every unit was taken: joins (which may still throw) and closes. */
  final void joinAndEnd() {
    Scope s = scope;
    scope = null;
    if (s != null) {
      closeAfterJoin(s);
    }
    release();
  }

  /**
   * Ends the stage on any way out but the normal one: closes the scope, which cancels what still
   * runs and waits for it, and drops what the stage holds. Does nothing more if called again.
   *
   * <p>It first ends the stages this thread started after this one and has not ended: the later
   * stages of the same stream. A stream tells a gatherer nothing when a stage before it throws, so
   * without this a failed, cancelled or interrupted {@code mapConcurrent} would leave the forks of
   * a {@code mapOnCpu} after it running when the stream returned.
   */
  final void end() {
    endLaterStages();
    Scope s = scope;
    scope = null;
    if (s != null) {
      close(s);
    }
    release();
  }

  private void release() {
    window.clear();
    done.clear();
    running = 0;
    ended();
    List<InFlight<?>> stages = ACTIVE.get();
    if (listed && stages != null) {
      stages.remove(this);
      if (stages.isEmpty()) {
        ACTIVE.remove();
      }
    }
    listed = false;
  }

  private void endLaterStages() {
    List<InFlight<?>> stages = ACTIVE.get();
    if (!listed || stages == null) {
      return;
    }
    int at = stages.indexOf(this);
    while (stages.size() > at + 1) {
      stages.get(stages.size() - 1).end(); // removes itself
    }
  }

  /** Drops what the subclass holds besides the window; called by {@link #end()}. */
  void ended() {}

  private Scope open() {
    if (!listed) {
      List<InFlight<?>> stages = ACTIVE.get();
      if (stages == null) {
        stages = new ArrayList<>();
        ACTIVE.set(stages);
      }
      stages.add(this);
      listed = true;
    }
    Scope.Builder b = Scope.builder().name(name);
    if (executor != null) {
      b.executor(executor);
    }
    Scope s = b.open();
    scope = s;
    forked = 0;
    wake = s.token().onCancel(() -> done.add(WAKE));
    if (s.isCancelled()) {
      throw stopped(s);
    }
    return s;
  }

  /** The scope was cancelled or a unit failed: {@return nothing} Throws what join() throws. */
  private RuntimeException stopped(Scope s) {
    s.join();
    // join() found nothing to throw: the interrupt came when no fork was left to cancel
    return new CancelledException(
        name
            + " was stopped"
            + (Thread.currentThread().isInterrupted()
                ? ": its stream's thread was interrupted"
                : ""));
  }

  private void closeAfterJoin(Scope s) {
    try {
      s.join();
    } finally {
      close(s);
    }
  }

  private void close(Scope s) {
    try {
      s.close();
    } finally {
      CancellationToken.Registration w = wake;
      wake = null;
      if (w != null) {
        w.close();
      }
    }
  }
}
