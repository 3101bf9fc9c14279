package dev.weft.queue;

import dev.weft.task.CancellationToken;
import dev.weft.task.CancelledException;
import dev.weft.task.DeadlineExceededException;
import dev.weft.task.Scope;
import dev.weft.task.TaskContext;
import dev.weft.time.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Tasks with named dependencies (a directed acyclic graph), each forked into a {@link Scope} that
 * {@link #run()} owns as soon as all its parents have succeeded, with at most {@code concurrency}
 * running at once. Each task receives its parents' results, and runs with the caller's {@link
 * TaskContext} (deadline, cancellation, propagated context), like any fork of the caller's.
 *
 * {@snippet :
 * TaskGraph graph = TaskGraph.builder()
 *     .task("users", () -> api.users())
 *     .task("orders", () -> api.orders())
 *     .task("report", List.of("users", "orders"),
 *         in -> Report.of(in.get("users", Users.class), in.get("orders", Orders.class)))
 *     .concurrency(4)
 *     .build();                         // rejects cycles and unknown dependencies here
 * GraphResult result = graph.run();      // blocks until every task has ended
 * Report report = result.value("report", Report.class);
 * }
 *
 * <p>Semantics: when a task fails, the tasks that depend on it, directly or not, are {@linkplain
 * NodeOutcome.Skipped skipped}; the others go on, unless {@linkplain Builder#failFast(boolean)
 * fail-fast} is set, in which case every running task is interrupted and every task not yet started
 * is {@linkplain NodeOutcome.Cancelled cancelled}. Among tasks ready at the same time, the one
 * declared first starts first. {@link #run()} returns the outcome of every task; it never throws a
 * task's error (call {@link GraphResult#throwIfFailed()} for that).
 *
 * <p>Immutable and thread-safe: {@link #run()} may be called many times, even at once; each run is
 * independent. Memory consistency effects: actions in a task happen-before its dependants start,
 * and every task's actions happen-before {@link #run()} returns.
 */
public final class TaskGraph {

  private record Node(String name, int order, List<String> parents, NodeTask<?> task) {}

  private final List<Node> nodes;
  private final Map<String, List<Integer>> children;
  private final int concurrency;
  private final boolean failFast;

  private TaskGraph(List<Node> nodes, int concurrency, boolean failFast) {
    this.nodes = List.copyOf(nodes);
    this.concurrency = concurrency;
    this.failFast = failFast;
    Map<String, List<Integer>> kids = new HashMap<>();
    for (Node n : nodes) {
      kids.put(n.name(), new ArrayList<>());
    }
    for (Node n : nodes) {
      for (String p : n.parents()) {
        Objects.requireNonNull(kids.get(p)).add(n.order());
      }
    }
    this.children = kids;
  }

  /** {@return a builder of a graph; concurrency defaults to unlimited, fail-fast to off} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the task names in an order in which they could run one at a time} */
  public List<String> order() {
    List<String> out = new ArrayList<>();
    int[] waiting = new int[nodes.size()];
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (Node n : nodes) {
      waiting[n.order()] = n.parents().size();
      if (waiting[n.order()] == 0) {
        ready.add(n.order());
      }
    }
    while (!ready.isEmpty()) {
      Node n = nodes.get(ready.poll());
      out.add(n.name());
      for (int c : Objects.requireNonNull(children.get(n.name()))) {
        if (--waiting[c] == 0) {
          ready.add(c);
        }
      }
    }
    return out;
  }

  /**
   * Runs the graph and returns each task's outcome.
   *
   * <p>The tasks are forks of one {@link Scope} that this call opens, so they see the calling
   * task's {@link TaskContext} (deadline, cancellation token, time source) and the context its
   * {@code ContextPropagator} carries, exactly as forks of the caller's own scope would.
   *
   * <p>Returns when every task has succeeded, failed, been skipped or been cancelled, and no task
   * still runs. Every other way out also waits until no task runs, having cancelled the running
   * tasks (interrupt and token) and left the unstarted ones unstarted:
   *
   * <ul>
   *   <li>{@link InterruptedException} (flag cleared) if the calling thread is interrupted while it
   *       waits;
   *   <li>{@link DeadlineExceededException} if the calling task's deadline passes first;
   *   <li>{@link CancelledException} if the calling task is cancelled (its token), even when the
   *       cancellation reached the caller as an interrupt first (the interrupt status is then set
   *       again).
   * </ul>
   *
   * @return the outcome of every task
   * @throws InterruptedException if the calling thread is interrupted while it waits
   */
  public GraphResult run() throws InterruptedException {
    try (Scope scope = Scope.builder().name("TaskGraph").collectAll().open()) {
      return new Run(scope).execute();
    }
  }

  /**
   * One run. Overview for maintainers: all state belongs to the calling thread, the owner of the
   * run's collect-all {@link Scope}. It forks ready tasks (lowest declaration order first) while
   * fewer than {@code concurrency} run, then waits on {@code done}, where each fork puts its own
   * slot once, as its last action (a fork never fails the scope: it hands its error over here). A
   * failure marks every transitive dependant skipped; under fail-fast it also cancels the scope
   * (interrupting and cancelling the running forks) and the tasks not started, and stops waiting on
   * {@code done} (a fork cancelled before its body began never puts a slot). The scope's join waits
   * for every fork before {@link #execute()} returns, and throws when the caller's deadline passed
   * or its token was cancelled.
   */
  private final class Run {
    private final Scope scope;
    private final @Nullable NodeOutcome[] outcomes = new NodeOutcome[nodes.size()];
    private final @Nullable Object[] values = new Object[nodes.size()];
    private final int[] waiting = new int[nodes.size()];
    private final boolean[] running = new boolean[nodes.size()];
    private final PriorityQueue<Integer> ready = new PriorityQueue<>();
    private final LinkedBlockingQueue<Finished> done = new LinkedBlockingQueue<>();
    private int runningCount;
    private boolean stopping;

    private record Finished(int node, @Nullable Object value, @Nullable Throwable error) {
      boolean isWakeUp() {
        return node < 0;
      }
    }

    /**
     * Put on {@code done} when the scope is cancelled: a cancellation that comes as a token without
     * an interrupt, before the running forks began, would leave nothing else to wake the owner.
     */
    private static final Finished WAKE_UP = new Finished(-1, null, null);

    Run(Scope scope) {
      this.scope = scope;
    }

    GraphResult execute() throws InterruptedException {
      for (Node n : nodes) {
        waiting[n.order()] = n.parents().size();
        if (waiting[n.order()] == 0) {
          ready.add(n.order());
        }
      }
      Deadline deadline = scope.deadline();
      CancellationToken.Registration wake = scope.token().onCancel(() -> done.add(WAKE_UP));
      try {
        while (true) {
          while (!stopping && runningCount < concurrency && !ready.isEmpty()) {
            start(ready.poll());
          }
          if (runningCount == 0) {
            break;
          }
          Finished f = next(deadline);
          if (f == null || f.isWakeUp() || (scope.isCancelled() && !stopping)) {
            // the deadline passed or the caller was cancelled: join cancels, waits, and throws
            if (f != null && !f.isWakeUp()) {
              finish(f);
            }
            cancelAll();
            break;
          }
          finish(f);
          if (stopping) {
            // fail-fast cancelled the scope: a fork cancelled before it began never reports to
            // done, so wait for the forks in join (normal, the owner cancelled) and drain after
            break;
          }
        }
        scope.join();
      } catch (InterruptedException e) {
        cancelAll();
        scope.cancel();
        joinUninterruptibly();
        if (TaskContext.isCancelled()) {
          // the caller's own cancellation interrupted it: report that, as a cancelled scope does
          Thread.currentThread().interrupt();
          TaskContext.throwIfCancelled();
        }
        throw e;
      } finally {
        wake.close();
        drain();
      }
      Map<String, NodeOutcome> out = new LinkedHashMap<>();
      for (Node n : nodes) {
        NodeOutcome o = outcomes[n.order()];
        out.put(n.name(), o == null ? new NodeOutcome.Cancelled(false) : o);
      }
      return new GraphResult(out);
    }

    /** {@return the next finished task, or null once the deadline passed} */
    private @Nullable Finished next(Deadline deadline) throws InterruptedException {
      if (deadline.isNever()) {
        return done.take();
      }
      while (true) {
        Duration left = deadline.remaining();
        if (left.isZero() || left.isNegative()) {
          return done.poll();
        }
        Finished f = done.poll(left.toNanos(), TimeUnit.NANOSECONDS);
        if (f != null) {
          return f;
        }
      }
    }

    private void start(int index) {
      Node node = nodes.get(index);
      Map<String, @Nullable Object> in = new LinkedHashMap<>();
      for (String p : node.parents()) {
        in.put(p, values[indexOf(p)]);
      }
      Inputs inputs = new Inputs(in);
      running[index] = true;
      runningCount++;
      scope.fork(
          node.name(),
          () -> {
            Object value = null;
            Throwable error = null;
            try {
              value = node.task().run(inputs);
            } catch (Throwable e) {
              error = e;
            }
            done.add(new Finished(index, value, error));
            return null;
          });
    }

    private void finish(Finished f) {
      running[f.node()] = false;
      runningCount--;
      Node node = nodes.get(f.node());
      if (f.error() == null && outcomes[f.node()] == null) {
        values[f.node()] = f.value();
        outcomes[f.node()] = new NodeOutcome.Succeeded(f.value());
        for (int c : Objects.requireNonNull(children.get(node.name()))) {
          if (--waiting[c] == 0 && outcomes[c] == null) {
            ready.add(c);
          }
        }
        return;
      }
      if (outcomes[f.node()] == null) {
        outcomes[f.node()] =
            (stopping || scope.isCancelled()) && isCancellation(f.error())
                ? new NodeOutcome.Cancelled(true)
                : new NodeOutcome.Failed(Objects.requireNonNull(f.error()));
      }
      skipDependants(f.node());
      if (failFast && !stopping) {
        cancelAll();
        scope.cancel();
      }
    }

    private static boolean isCancellation(@Nullable Throwable t) {
      return t instanceof InterruptedException || t instanceof CancelledException;
    }

    private void skipDependants(int failed) {
      for (int c : Objects.requireNonNull(children.get(nodes.get(failed).name()))) {
        if (outcomes[c] == null) {
          Node child = nodes.get(c);
          List<String> blockers = new ArrayList<>();
          for (String p : child.parents()) {
            NodeOutcome o = outcomes[indexOf(p)];
            if (o != null && !(o instanceof NodeOutcome.Succeeded)) {
              blockers.add(p);
            }
          }
          outcomes[c] = new NodeOutcome.Skipped(blockers);
          ready.remove(c);
          skipDependants(c);
        }
      }
    }

    /** Stops starting tasks and marks every task not started cancelled. */
    private void cancelAll() {
      stopping = true;
      for (Node n : nodes) {
        if (outcomes[n.order()] == null && !running[n.order()]) {
          outcomes[n.order()] = new NodeOutcome.Cancelled(false);
        }
      }
      ready.clear();
    }

    /** Waits for every fork after an interrupt; the interrupt status is left cleared. */
    private void joinUninterruptibly() {
      try {
        scope.join(); // cancelled by the owner: joins normally once every fork returned
      } catch (CancelledException | DeadlineExceededException e) {
        // also cancelled otherwise meanwhile; the interrupt is what the caller gets
      } finally {
        Thread.interrupted(); // join sets the flag again if interrupted while waiting
      }
    }

    /** Records the tasks that ended while nobody was taking from {@code done} (all have ended). */
    private void drain() {
      Finished f;
      while ((f = done.poll()) != null) {
        if (f.isWakeUp()) {
          continue;
        }
        running[f.node()] = false;
        runningCount--;
        if (outcomes[f.node()] == null) {
          outcomes[f.node()] =
              f.error() == null
                  ? new NodeOutcome.Succeeded(f.value())
                  : isCancellation(f.error())
                      ? new NodeOutcome.Cancelled(true)
                      : new NodeOutcome.Failed(f.error());
        }
      }
    }

    private int indexOf(String name) {
      return Objects.requireNonNull(index.get(name));
    }
  }

  private final Map<String, Integer> index = new HashMap<>();

  private TaskGraph init() {
    for (Node n : nodes) {
      index.put(n.name(), n.order());
    }
    return this;
  }

  /**
   * Builds a {@link TaskGraph}: tasks in any order, each with the names of the tasks it depends on.
   * Not thread-safe; {@link #build()} validates the whole graph.
   */
  public static final class Builder {
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<String> duplicates = new ArrayList<>();
    private int concurrency = Integer.MAX_VALUE;
    private boolean failFast;

    private Builder() {}

    /**
     * Adds a task with no dependencies.
     *
     * @param name the task's unique name
     * @param task the work
     * @return this builder
     */
    public Builder task(String name, Callable<?> task) {
      Objects.requireNonNull(task, "task");
      return task(name, List.of(), in -> task.call());
    }

    /**
     * Adds a task that runs once every task in {@code dependsOn} has succeeded, and receives their
     * results.
     *
     * @param name the task's unique name
     * @param dependsOn the names of its parents, defined before or after it
     * @param task the work
     * @return this builder
     */
    public Builder task(String name, List<String> dependsOn, NodeTask<?> task) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(task, "task");
      List<String> parents = List.copyOf(dependsOn);
      if (nodes.containsKey(name)) {
        duplicates.add(name);
      } else {
        nodes.put(name, new Node(name, nodes.size(), parents, task));
      }
      return this;
    }

    /**
     * Sets the most tasks running at once.
     *
     * @param concurrency {@code >= 1}
     * @return this builder
     */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /**
     * Sets whether the first failure cancels every other task (running ones by interrupt), rather
     * than only the failed task's dependants.
     *
     * @param failFast true to cancel everything on the first failure
     * @return this builder
     */
    public Builder failFast(boolean failFast) {
      this.failFast = failFast;
      return this;
    }

    /**
     * {@return the graph}
     *
     * @throws IllegalArgumentException naming the culprits, if a name is used twice, a task depends
     *     on a task that does not exist, or the dependencies form a cycle
     */
    public TaskGraph build() {
      if (!duplicates.isEmpty()) {
        throw new IllegalArgumentException(
            "task names must be unique; defined twice: " + duplicates);
      }
      List<String> unknown = new ArrayList<>();
      for (Node n : nodes.values()) {
        for (String p : n.parents()) {
          if (!nodes.containsKey(p)) {
            unknown.add("'" + n.name() + "' depends on unknown task '" + p + "'");
          }
        }
      }
      if (!unknown.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", unknown));
      }
      List<String> cycle = findCycle();
      if (!cycle.isEmpty()) {
        throw new IllegalArgumentException(
            "tasks depend on each other in a cycle (a -> b: a needs b): "
                + String.join(" -> ", cycle));
      }
      return new TaskGraph(List.copyOf(nodes.values()), concurrency, failFast).init();
    }

    /** Depth-first search; returns the first cycle found as a closed path, or an empty list. */
    private List<String> findCycle() {
      Map<String, Integer> state = new HashMap<>(); // 1 = on the path, 2 = done
      List<String> path = new ArrayList<>();
      for (String start : nodes.keySet()) {
        List<String> c = visit(start, state, path);
        if (!c.isEmpty()) {
          return c;
        }
      }
      return List.of();
    }

    private List<String> visit(String name, Map<String, Integer> state, List<String> path) {
      Integer s = state.get(name);
      if (s != null && s == 2) {
        return List.of();
      }
      if (s != null && s == 1) {
        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
        cycle.add(name);
        return cycle;
      }
      state.put(name, 1);
      path.add(name);
      for (String p : Objects.requireNonNull(nodes.get(name)).parents()) {
        List<String> c = visit(p, state, path);
        if (!c.isEmpty()) {
          return c;
        }
      }
      path.removeLast();
      state.put(name, 2);
      return List.of();
    }
  }
}
