package dev.weft.task;

import dev.weft.time.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The combinators of structured concurrency: {@link #all} ({@code Promise.all}, {@code
 * asyncio.gather}), {@link #allSettled}, {@link #race}, {@link #any} and {@link #withTimeout}. Each
 * runs every task on its own virtual thread in a {@link Scope} and returns only when every task it
 * started has finished or has been cancelled and has returned: no task outlives the call.
 *
 * <p>Each comes in three forms: varargs of tasks, a list of tasks, and a mapping form over a
 * collection ({@code Tasks.all(ids, id -> api.user(id))}), which also takes a concurrency limit so
 * that a million items never means a million threads at once. Results come in input order. Tasks
 * see the enclosing deadline and cancellation through {@link TaskContext}; an interrupt of the
 * calling thread cancels the tasks, waits for them, sets the interrupt status again and throws
 * {@link CancelledException}.
 *
 * <p>Failures: unchecked exceptions propagate unchanged; checked ones are wrapped once in {@link
 * TaskFailedException} naming the task's index and when it failed; later failures are attached as
 * suppressed; a passed deadline throws {@link DeadlineExceededException}.
 *
 * <p>Stateless and thread-safe.
 *
 * {@snippet :
 * List<User> users = Tasks.all(ids, id -> api.user(id));                 // first failure cancels the rest
 * List<Body> bodies = Tasks.all(urls, 64, url -> http.get(url));        // at most 64 at once
 * Page page = Tasks.any(() -> mirrorA.get(), () -> mirrorB.get());       // first success
 * Report report = Tasks.withTimeout(Duration.ofSeconds(5), () -> slowReport());
 * }
 */
public final class Tasks {

  private static final int UNLIMITED = Integer.MAX_VALUE;

  private Tasks() {}

  // ---------------------------------------------------------------------------------------------
  // all

  /**
   * Runs every task concurrently and returns their values in order; the first failure cancels the
   * others and is thrown once they have all returned.
   *
   * @param tasks the tasks
   * @param <T> the type of their values
   * @return the values, in the order of the tasks (unmodifiable; may hold {@code null}s)
   * @throws RuntimeException the first failure (see the class documentation), a {@link
   *     DeadlineExceededException} or a {@link CancelledException}
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, as a list
  public static <T extends @Nullable Object> List<T> all(Callable<? extends T>... tasks) {
    return all(Arrays.asList(tasks));
  }

  /**
   * As {@link #all(Callable[])}, over a list of tasks.
   *
   * @param tasks the tasks
   * @param <T> the type of their values
   * @return the values, in the order of the tasks (unmodifiable; may hold {@code null}s)
   */
  public static <T extends @Nullable Object> List<T> all(
      List<? extends Callable<? extends T>> tasks) {
    int n = tasks.size();
    try (Scope scope = Scope.internal("Tasks.all", true, n)) {
      for (Callable<? extends T> task : tasks) {
        scope.fork(task);
      }
      scope.join();
      return values(scope);
    }
  }

  /**
   * As {@link #all(Callable[])}, applying {@code fn} to each item.
   *
   * @param items the inputs
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return the values, in the order of the items (unmodifiable; may hold {@code null}s)
   */
  public static <I extends @Nullable Object, T extends @Nullable Object> List<T> all(
      Collection<? extends I> items, TaskFunction<? super I, ? extends T> fn) {
    return all(items, UNLIMITED, fn);
  }

  /**
   * As {@link #all(Collection, TaskFunction)}, with at most {@code concurrency} items in flight;
   * the next item starts when one finishes.
   *
   * @param items the inputs
   * @param concurrency how many items may run at once; at least 1
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return the values, in the order of the items (unmodifiable; may hold {@code null}s)
   * @throws IllegalArgumentException if {@code concurrency} is less than 1
   */
  public static <I extends @Nullable Object, T extends @Nullable Object> List<T> all(
      Collection<? extends I> items, int concurrency, TaskFunction<? super I, ? extends T> fn) {
    checkLimit(concurrency);
    Objects.requireNonNull(fn, "fn");
    try (Scope scope = Scope.internal("Tasks.all", true, items.size())) {
      forkEach(scope, items, concurrency, fn);
      scope.join();
      return values(scope);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // allSettled

  /**
   * Runs every task concurrently to its end (a failure cancels nothing) and returns how each
   * settled, in order.
   *
   * @param tasks the tasks
   * @param <T> the type of their values
   * @return one outcome per task, in order (unmodifiable)
   * @throws RuntimeException only a {@link DeadlineExceededException} or a {@link
   *     CancelledException} of the whole call; task failures are in the outcomes
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, as a list
  public static <T extends @Nullable Object> List<Settled<T>> allSettled(
      Callable<? extends T>... tasks) {
    return allSettled(Arrays.asList(tasks));
  }

  /**
   * As {@link #allSettled(Callable[])}, over a list of tasks.
   *
   * @param tasks the tasks
   * @param <T> the type of their values
   * @return one outcome per task, in order (unmodifiable)
   */
  public static <T extends @Nullable Object> List<Settled<T>> allSettled(
      List<? extends Callable<? extends T>> tasks) {
    try (Scope scope = Scope.internal("Tasks.allSettled", false, tasks.size())) {
      for (Callable<? extends T> task : tasks) {
        scope.fork(task);
      }
      scope.join();
      return outcomes(scope);
    }
  }

  /**
   * As {@link #allSettled(Callable[])}, applying {@code fn} to each item.
   *
   * @param items the inputs
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return one outcome per item, in order (unmodifiable)
   */
  public static <I extends @Nullable Object, T extends @Nullable Object>
      List<Settled<T>> allSettled(
          Collection<? extends I> items, TaskFunction<? super I, ? extends T> fn) {
    return allSettled(items, UNLIMITED, fn);
  }

  /**
   * As {@link #allSettled(Collection, TaskFunction)}, with at most {@code concurrency} items in
   * flight.
   *
   * @param items the inputs
   * @param concurrency how many items may run at once; at least 1
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return one outcome per item, in order (unmodifiable)
   * @throws IllegalArgumentException if {@code concurrency} is less than 1
   */
  public static <I extends @Nullable Object, T extends @Nullable Object>
      List<Settled<T>> allSettled(
          Collection<? extends I> items, int concurrency, TaskFunction<? super I, ? extends T> fn) {
    checkLimit(concurrency);
    Objects.requireNonNull(fn, "fn");
    try (Scope scope = Scope.internal("Tasks.allSettled", false, items.size())) {
      forkEach(scope, items, concurrency, fn);
      scope.join();
      return outcomes(scope);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // race

  /**
   * Runs the tasks concurrently; the first to settle decides: its value is returned or its failure
   * thrown, and the others are cancelled and waited for ({@code Promise.race}).
   *
   * @param tasks the tasks; at least one
   * @param <T> the type of their values
   * @return the value of the first task to settle, if it succeeded
   * @throws IllegalArgumentException if there are no tasks
   * @throws RuntimeException the first task's failure (see the class documentation), a {@link
   *     DeadlineExceededException} or a {@link CancelledException}
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, as a list
  public static <T extends @Nullable Object> T race(Callable<? extends T>... tasks) {
    return race(Arrays.asList(tasks));
  }

  /**
   * As {@link #race(Callable[])}, over a list of tasks.
   *
   * @param tasks the tasks; at least one
   * @param <T> the type of their values
   * @return the value of the first task to settle, if it succeeded
   */
  public static <T extends @Nullable Object> T race(List<? extends Callable<? extends T>> tasks) {
    checkNotEmpty(tasks.size(), "race");
    try (Scope scope = Scope.internal("Tasks.race", false, tasks.size())) {
      AtomicReference<@Nullable ForkImpl<?>> winner = raceHook(scope);
      for (Callable<? extends T> task : tasks) {
        scope.fork(task);
      }
      scope.join();
      return winner(winner);
    }
  }

  /**
   * As {@link #race(Callable[])}, applying {@code fn} to each item, at most {@code concurrency} at
   * once ({@code Integer.MAX_VALUE} for no limit).
   *
   * @param items the inputs; at least one
   * @param concurrency how many items may run at once; at least 1
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return the value of the first item to settle, if it succeeded
   * @throws IllegalArgumentException if there are no items or {@code concurrency} is less than 1
   */
  public static <I extends @Nullable Object, T extends @Nullable Object> T race(
      Collection<? extends I> items, int concurrency, TaskFunction<? super I, ? extends T> fn) {
    checkLimit(concurrency);
    checkNotEmpty(items.size(), "race");
    Objects.requireNonNull(fn, "fn");
    try (Scope scope = Scope.internal("Tasks.race", false, items.size())) {
      AtomicReference<@Nullable ForkImpl<?>> winner = raceHook(scope);
      forkEach(scope, items, concurrency, fn);
      scope.join();
      return winner(winner);
    }
  }

  /**
   * As {@link #race(Collection, int, TaskFunction)} with no limit.
   *
   * @param items the inputs; at least one
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return the value of the first item to settle, if it succeeded
   */
  public static <I extends @Nullable Object, T extends @Nullable Object> T race(
      Collection<? extends I> items, TaskFunction<? super I, ? extends T> fn) {
    return race(items, UNLIMITED, fn);
  }

  // ---------------------------------------------------------------------------------------------
  // any

  /**
   * Runs the tasks concurrently and returns the first value; the others are then cancelled and
   * waited for ({@code Promise.any}). Failures before the first success are dropped by design (they
   * are what {@code any} exists to tolerate).
   *
   * @param tasks the tasks; at least one
   * @param <T> the type of their values
   * @return the value of the first task to succeed
   * @throws IllegalArgumentException if there are no tasks
   * @throws FanOutException if every task failed, with each failure attached as suppressed
   * @throws RuntimeException a {@link DeadlineExceededException} or a {@link CancelledException}
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, as a list
  public static <T extends @Nullable Object> T any(Callable<? extends T>... tasks) {
    return any(Arrays.asList(tasks));
  }

  /**
   * As {@link #any(Callable[])}, over a list of tasks.
   *
   * @param tasks the tasks; at least one
   * @param <T> the type of their values
   * @return the value of the first task to succeed
   */
  public static <T extends @Nullable Object> T any(List<? extends Callable<? extends T>> tasks) {
    checkNotEmpty(tasks.size(), "any");
    try (Scope scope = Scope.internal("Tasks.any", false, tasks.size())) {
      AtomicReference<@Nullable ForkImpl<?>> winner = anyHook(scope);
      for (Callable<? extends T> task : tasks) {
        scope.fork(task);
      }
      scope.join();
      return anyResult(scope, winner, tasks.size());
    }
  }

  /**
   * As {@link #any(Callable[])}, applying {@code fn} to each item, at most {@code concurrency} at
   * once; once one succeeds, no further item starts.
   *
   * @param items the inputs; at least one
   * @param concurrency how many items may run at once; at least 1
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return the value of the first item to succeed
   * @throws IllegalArgumentException if there are no items or {@code concurrency} is less than 1
   * @throws FanOutException if every item failed
   */
  public static <I extends @Nullable Object, T extends @Nullable Object> T any(
      Collection<? extends I> items, int concurrency, TaskFunction<? super I, ? extends T> fn) {
    checkLimit(concurrency);
    checkNotEmpty(items.size(), "any");
    Objects.requireNonNull(fn, "fn");
    try (Scope scope = Scope.internal("Tasks.any", false, items.size())) {
      AtomicReference<@Nullable ForkImpl<?>> winner = anyHook(scope);
      forkEach(scope, items, concurrency, fn);
      scope.join();
      return anyResult(scope, winner, items.size());
    }
  }

  /**
   * As {@link #any(Collection, int, TaskFunction)} with no limit.
   *
   * @param items the inputs; at least one
   * @param fn the work for one item
   * @param <I> the type of the items
   * @param <T> the type of the values
   * @return the value of the first item to succeed
   */
  public static <I extends @Nullable Object, T extends @Nullable Object> T any(
      Collection<? extends I> items, TaskFunction<? super I, ? extends T> fn) {
    return any(items, UNLIMITED, fn);
  }

  // ---------------------------------------------------------------------------------------------
  // withTimeout

  /**
   * Runs {@code task} on its own virtual thread and returns its value, unless {@code timeout}
   * (measured on the enclosing scope's time source, the system's by default, and nested within the
   * enclosing deadline) passes first: then the task is cancelled and, once it has returned, a
   * {@link DeadlineExceededException} is thrown. The call never returns while the task still runs.
   *
   * @param timeout how long the task may take
   * @param task the work
   * @param <T> the type of its value
   * @return the task's value
   * @throws DeadlineExceededException if the deadline passed first
   * @throws RuntimeException the task's failure, unchanged if unchecked, else wrapped in {@link
   *     TaskFailedException}; or a {@link CancelledException}
   */
  public static <T extends @Nullable Object> T withTimeout(
      Duration timeout, Callable<? extends T> task) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be >= 0, was " + timeout);
    }
    return withTimeout(Deadline.after(timeout, TaskContext.timeSource()), task);
  }

  /**
   * As {@link #withTimeout(Duration, Callable)}, with a deadline (on its own time source).
   *
   * @param deadline when the task must be done
   * @param task the work
   * @param <T> the type of its value
   * @return the task's value
   * @throws DeadlineExceededException if the deadline passed first
   */
  public static <T extends @Nullable Object> T withTimeout(
      Deadline deadline, Callable<? extends T> task) {
    Objects.requireNonNull(task, "task");
    try (Scope scope = Scope.internal("Tasks.withTimeout", deadline)) {
      Fork<? extends T> fork = scope.fork(task);
      scope.join();
      return fork.get();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // calls that ignore interrupts

  /**
   * Runs {@code task}, a call that may not respond to interrupts, so that the caller can give up on
   * it when its task is cancelled: the call runs on a virtual thread of its own (with the caller's
   * {@link TaskContext} and propagated context) while the caller waits for it or for its own
   * cancellation, whichever comes first. On cancellation the call is <em>abandoned</em>: its thread
   * is interrupted once and left running, listed by {@link TaskTree} until it returns, and its
   * outcome is dropped. This is the one place where weft lets work outlive its caller, on purpose:
   * use it for calls the JVM cannot interrupt (docs/tasks.md lists them: classic {@code java.io}
   * streams and sockets, a JDBC {@code execute} without a query timeout, a DNS lookup, a {@code
   * synchronized} block or {@code Lock.lock()} acquisition), and only when the call is safe to
   * leave behind (it holds nothing the caller will reuse).
   *
   * <p>Returns what the task returns. Throws what it throws (unchecked unchanged, checked wrapped
   * once in {@link TaskFailedException}); throws {@link CancelledException} at once if the caller's
   * token is already cancelled (the task does not run) or is cancelled while it waits, or if the
   * caller is interrupted while it waits (the interrupt status is set again).
   *
   * {@snippet :
   * InetAddress[] addresses = Tasks.abandonOnCancel("resolve " + host, () -> InetAddress.getAllByName(host));
   * }
   *
   * @param name what the call is, in messages and the task tree
   * @param task the call
   * @param <T> its result type
   * @return the call's result
   */
  public static <T extends @Nullable Object> T abandonOnCancel(
      String name, Callable<? extends T> task) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    return Abandoned.call(name, task);
  }

  // ---------------------------------------------------------------------------------------------

  private static <I extends @Nullable Object, T extends @Nullable Object> void forkEach(
      Scope scope,
      Collection<? extends I> items,
      int concurrency,
      TaskFunction<? super I, ? extends T> fn) {
    for (I item : items) {
      if (concurrency != UNLIMITED) {
        scope.awaitRoom(concurrency);
      }
      if (scope.isCancelled()) {
        break; // the rest never start; join() reports why
      }
      scope.fork(() -> fn.apply(item));
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends @Nullable Object> List<T> values(Scope scope) {
    int n = scope.forkCount();
    @Nullable Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      out[i] = scope.forkAt(i).get();
    }
    return (List<T>) Collections.unmodifiableList(Arrays.asList(out));
  }

  @SuppressWarnings("unchecked")
  private static <T extends @Nullable Object> List<Settled<T>> outcomes(Scope scope) {
    int n = scope.forkCount();
    List<Settled<T>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add((Settled<T>) scope.forkAt(i).settled());
    }
    return Collections.unmodifiableList(out);
  }

  private static AtomicReference<@Nullable ForkImpl<?>> raceHook(Scope scope) {
    AtomicReference<@Nullable ForkImpl<?>> winner = new AtomicReference<>();
    scope.onSettle(fork -> {
      if (winner.compareAndSet(null, fork)) {
        scope.cancelQuietly("Tasks.race was settled by " + fork.describe());
      }
    });
    return winner;
  }

  private static AtomicReference<@Nullable ForkImpl<?>> anyHook(Scope scope) {
    AtomicReference<@Nullable ForkImpl<?>> winner = new AtomicReference<>();
    scope.onSettle(fork -> {
      if (fork.outcome == ForkImpl.SUCCEEDED && winner.compareAndSet(null, fork)) {
        scope.cancelQuietly("Tasks.any got a value from " + fork.describe());
      }
    });
    return winner;
  }

  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // the forks all return T
  private static <T extends @Nullable Object> T winner(
      AtomicReference<@Nullable ForkImpl<?>> winner) {
    ForkImpl<?> w = winner.get();
    if (w == null) {
      throw new IllegalStateException("Tasks.race ended with no task settled");
    }
    return (T) w.get();
  }

  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // the forks all return T
  private static <T extends @Nullable Object> T anyResult(
      Scope scope, AtomicReference<@Nullable ForkImpl<?>> winner, int items) {
    int n = scope.forkCount();
    List<Throwable> failures = new ArrayList<>();
    int cancelled = items - n;
    for (int i = 0; i < n; i++) {
      ForkImpl<?> f = scope.forkAt(i);
      Settled<?> s = f.settled(); // marks every failure observed: any() drops them by design
      if (f.outcome == ForkImpl.WAS_CANCELLED) {
        cancelled++;
      } else if (s instanceof Settled.Failure<?>(Throwable cause)) {
        failures.add(cause);
      }
    }
    ForkImpl<?> w = winner.get();
    if (w != null) {
      return (T) w.get();
    }
    throw new FanOutException(
        "Tasks.any: no task succeeded", 0, failures.size(), cancelled, failures);
  }

  private static void checkLimit(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
    }
  }

  private static void checkNotEmpty(int size, String what) {
    if (size == 0) {
      throw new IllegalArgumentException("Tasks." + what + " needs at least one task, was given 0");
    }
  }
}
