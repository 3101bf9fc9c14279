package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.channel.ChannelClosedException;
import dev.weft.channel.Channels;
import dev.weft.channel.ReceiveChannel;
import dev.weft.flow.Limiter;
import dev.weft.policy.CallCache;
import dev.weft.queue.GraphResult;
import dev.weft.queue.TaskGraph;
import dev.weft.stream.Gather;
import dev.weft.stream.MapSettings;
import dev.weft.stream.Page;
import dev.weft.stream.Pages;
import dev.weft.stream.Parallel;
import dev.weft.stream.Pipeline;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import dev.weft.time.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of weft's one fork engine, run with the same cases over every call-shaped fan-out of
 * the library ({@code docs/tasks.md}, "The guarantees"): children see the enclosing deadline and
 * propagated context; cancelling the enclosing scope, its deadline passing or interrupting the
 * caller cancels them (token and interrupt) and the call returns only after they stopped; one
 * failure cancels the rest (where the entry point is fail-fast) and names its item; nothing leaks
 * over 1,000 rounds; with no enclosing scope the call behaves as a root. Real threads, latches,
 * tasks that would otherwise block for a day; no sleeps.
 *
 * <p>A new fan-out gets a row in {@link #entries()}; the architecture rule {@code
 * onlyTheEngineStartsThreadsForWork} (weft-cli's {@code ArchitectureTest}) fails the build when
 * code outside {@code dev.weft.task} starts threads of its own. The long-lived {@code TaskQueue}
 * has its own suite ({@code QueueGuaranteesTest}): its tasks take the submitter's context.
 */
class ForkEngineContractTest {

  private static final int ROUNDS = 20;
  private static final ThreadLocal<String> REQUEST = new ThreadLocal<>();

  private static final ContextPropagator PROPAGATOR = ContextPropagator.threadLocal(REQUEST);

  /** Runs the entry point over {@code items} with {@code child} as each child's work. */
  interface Runner {
    List<Integer> run(List<Integer> items, TaskFunction<Integer, Integer> child) throws Exception;
  }

  /** Reads which item a failure of the call names. */
  interface Namer {
    OptionalInt item(Throwable failure);
  }

  /** The position {@link TaskFailedException#index()} names, less {@code offset}. */
  static Namer byIndex(int offset) {
    return t ->
        t instanceof TaskFailedException f && f.index().isPresent()
            ? OptionalInt.of(f.index().getAsInt() - offset)
            : OptionalInt.empty();
  }

  /**
   * One entry point under test.
   *
   * @param name for the report
   * @param width how many children run at once when given that many items
   * @param failFast whether one child's failure cancels the others and fails the call
   * @param namer which item a failure of the call names
   * @param onInterrupt what the call throws when its caller is interrupted
   * @param firstOnly whether the call returns one child's result (a race) rather than all
   * @param runner the call
   */
  record Entry(
      String name,
      int width,
      boolean failFast,
      Namer namer,
      Class<? extends Throwable> onInterrupt,
      boolean firstOnly,
      Runner runner) {
    Entry(String name, int width, boolean failFast, Runner runner) {
      this(name, width, failFast, byIndex(0), CancelledException.class, false, runner);
    }

    Entry(
        String name,
        int width,
        boolean failFast,
        Namer namer,
        Class<? extends Throwable> onInterrupt,
        Runner runner) {
      this(name, width, failFast, namer, onInterrupt, false, runner);
    }

    /** One child's result, as a list, for the entry points that return the first to settle. */
    static Entry first(String name, boolean failFast, Runner runner) {
      return new Entry(name, 4, failFast, byIndex(0), CancelledException.class, true, runner);
    }

    /** Checks what the call returned for items 0..n-1, each child returning twice its item. */
    void assertResult(List<Integer> out, int n) {
      if (firstOnly) {
        assertThat(out).hasSize(1);
        assertThat(doubled(n)).contains(out.get(0));
      } else {
        assertThat(out).isEqualTo(doubled(n));
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Names a graph's node for item {@code i}. */
  private static final Pattern GRAPH_FAILED = Pattern.compile("n(\\d+) failed");

  /** One independent node per item, fail-fast, run; the result's failure names the node. */
  private static List<Integer> graph(List<Integer> items, TaskFunction<Integer, Integer> child)
      throws InterruptedException {
    TaskGraph.Builder b = TaskGraph.builder().failFast(true);
    for (int i = 0; i < items.size(); i++) {
      Integer item = items.get(i);
      b.task("n" + i, () -> child.apply(item));
    }
    GraphResult r = b.build().run();
    r.throwIfFailed();
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(r.value("n" + i, Integer.class));
    }
    return out;
  }

  private static OptionalInt graphNode(Throwable t) {
    Matcher m = GRAPH_FAILED.matcher(String.valueOf(t.getMessage()));
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  /** Forks each item into a scope of the caller's and joins it, with at most {@code limit}. */
  private static List<Integer> scope(
      List<Integer> items, TaskFunction<Integer, Integer> child, int limit) throws Exception {
    Scope.Builder b = Scope.builder().name("contract");
    if (limit > 0) {
      b.limit(limit);
    }
    try (Scope scope = b.open()) {
      List<Fork<Integer>> forks = new ArrayList<>();
      for (Integer item : items) {
        forks.add(scope.fork(() -> child.apply(item)));
      }
      scope.join();
      List<Integer> out = new ArrayList<>();
      for (Fork<Integer> f : forks) {
        out.add(f.get());
      }
      return out;
    }
  }

  /**
   * A producer and one ordered stage of {@link Channels}, drained by the scope's owner, which
   * rethrows the cause of a failed drain as the javadoc of {@code Channels.map} says to.
   */
  private static List<Integer> channels(List<Integer> items, TaskFunction<Integer, Integer> child)
      throws Exception {
    try (Scope scope = Scope.builder().name("contract").open()) {
      ReceiveChannel<Integer> in =
          Channels.produce(
              scope,
              0,
              out -> {
                for (Integer item : items) {
                  out.send(item);
                }
              });
      List<Integer> out = new ArrayList<>();
      try {
        for (Integer r : Channels.map(scope, in, 4, true, child)) {
          out.add(r);
        }
      } catch (ChannelClosedException failed) {
        throw failed.getCause() instanceof Exception cause ? cause : failed;
      }
      scope.join();
      return out;
    }
  }

  static Stream<Entry> entries() {
    int cpu = Parallel.threads();
    return Stream.of(
        new Entry("Tasks.all", 4, true, Tasks::all),
        new Entry("Tasks.all (limit 3)", 3, true, (items, child) -> Tasks.all(items, 3, child)),
        new Entry(
            "Tasks.allSettled",
            4,
            false,
            (items, child) ->
                Tasks.allSettled(items, child).stream().map(Settled::getOrThrow).toList()),
        Entry.first("Tasks.race", true, (items, child) -> List.of(Tasks.race(items, child))),
        Entry.first("Tasks.any", false, (items, child) -> List.of(Tasks.any(items, child))),
        new Entry(
            "Tasks.withTimeout (one call per item, no deadline of its own)",
            1,
            true,
            (items, child) ->
                items.stream()
                    .map(i -> Tasks.withTimeout(Deadline.never(), () -> child.apply(i)))
                    .toList()),
        new Entry("Scope.fork", 4, true, (items, child) -> scope(items, child, 0)),
        new Entry("Scope.fork (limit 3)", 3, true, (items, child) -> scope(items, child, 3)),
        new Entry("Limiter.map", 4, true, (items, child) -> Limiter.of(4).map(items, child)),
        new Entry("Channels.map", 4, true, ForkEngineContractTest::channels),
        new Entry(
            "TaskGraph.run",
            4,
            true,
            ForkEngineContractTest::graphNode,
            InterruptedException.class,
            ForkEngineContractTest::graph),
        new Entry(
            "Gather.mapConcurrent",
            4,
            true,
            (items, child) -> items.stream().gather(Gather.mapConcurrent(4, child)).toList()),
        new Entry(
            "Gather.mapConcurrentUnordered",
            4,
            true,
            (items, child) ->
                items.stream().gather(Gather.mapConcurrentUnordered(4, child)).sorted().toList()),
        new Entry(
            "Gather.mapConcurrentSettled",
            4,
            false,
            (items, child) ->
                items.stream()
                    .gather(Gather.mapConcurrentSettled(MapSettings.limit(4), child))
                    .map(Settled::getOrThrow)
                    .toList()),
        new Entry(
            "Gather.mapOnCpu",
            cpu,
            true,
            (items, child) -> items.stream().gather(Gather.mapOnCpu(child)).toList()),
        new Entry("Parallel.map", cpu, true, Parallel::map),
        new Entry(
            "Parallel.forEach",
            cpu,
            true,
            (items, child) -> {
              Integer[] out = new Integer[items.size()];
              Parallel.forEach(
                  IntStream.range(0, items.size()).boxed().toList(),
                  i -> {
                    out[i] = child.apply(items.get(i));
                  });
              return List.of(out);
            }),
        new Entry(
            "Pipeline.ioThenCpu (I/O stage)",
            4,
            true,
            (items, child) -> Pipeline.ioThenCpu(items, 4, child, (Integer m) -> m)),
        new Entry(
            "Pipeline.ioThenCpu (CPU stage)",
            cpu,
            true,
            (items, child) -> Pipeline.ioThenCpu(items, 4, (Integer i) -> i, child)),
        new Entry(
            "CallCache.get (one waiter per load)",
            1,
            false, // one load per call: no sibling to cancel
            ForkEngineContractTest::cached),
        new Entry(
            "Pages.prefetch",
            1,
            true,
            byIndex(1),
            CancelledException.class,
            ForkEngineContractTest::pages));
  }

  /** Loads each item through a fresh cache, one call at a time: the load is the child. */
  private static List<Integer> cached(List<Integer> items, TaskFunction<Integer, Integer> child) {
    CallCache<Integer, Integer> cache =
        CallCache.<Integer, Integer>builder().name("contract").build();
    return items.stream().map(i -> cache.get(i, () -> child.apply(i))).toList();
  }

  /**
   * Page 0 is fetched on the consuming thread and holds nothing; page {@code k} (from 1) is the
   * prefetched child for item {@code k - 1}.
   */
  private static List<Integer> pages(List<Integer> items, TaskFunction<Integer, Integer> child) {
    try (Stream<Integer> s =
        Pages.<Integer, Integer>byCursor(
                cursor -> {
                  if (cursor == null) {
                    return Page.of(List.of(), items.isEmpty() ? null : 1);
                  }
                  Integer v = child.apply(items.get(cursor - 1));
                  return Page.of(List.of(v), cursor < items.size() ? cursor + 1 : null);
                })
            .prefetch()
            .items()) {
      return s.toList();
    }
  }

  private static List<Integer> items(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  private static List<Integer> doubled(int n) {
    return IntStream.range(0, n).map(i -> i * 2).boxed().toList();
  }

  /**
   * Children that count themselves and block for a day, recording whether they saw cancellation.
   */
  private static final class Blockers {
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger sawCancelled = new AtomicInteger();
    final CountDownLatch started;

    Blockers(int n) {
      started = new CountDownLatch(n);
    }

    Integer block(Integer item) throws InterruptedException {
      running.incrementAndGet();
      try {
        started.countDown();
        new CountDownLatch(1).await();
        throw new AssertionError("a day has passed");
      } catch (InterruptedException e) {
        if (TaskContext.isCancelled()) {
          sawCancelled.incrementAndGet();
        }
        throw e;
      } finally {
        running.decrementAndGet();
      }
    }
  }

  /** What the call did, as seen from the thread that made it. */
  private static final class Outcome {
    final AtomicReference<Throwable> thrown = new AtomicReference<>();
    final AtomicInteger runningAtReturn = new AtomicInteger(-1);
    volatile boolean interruptedAfter;

    void run(Entry e, List<Integer> items, Blockers b) {
      try {
        e.runner().run(items, b::block);
      } catch (Throwable t) {
        thrown.set(t);
      } finally {
        runningAtReturn.set(b.running.get());
        interruptedAfter = Thread.currentThread().isInterrupted();
      }
    }
  }

  @BeforeAll
  static void warmThePool() throws Exception {
    // start every CPU thread now, so that leak checks do not wait for one to time out
    int n = Parallel.threads();
    CountDownLatch all = new CountDownLatch(n);
    Parallel.forEach(
        items(n),
        i -> {
          all.countDown();
          all.await();
        });
  }

  @ParameterizedTest
  @MethodSource("entries")
  void childrenSeeTheEnclosingDeadlineAndPropagatedContext(Entry e) {
    for (int round = 0; round < ROUNDS; round++) {
      String request = "request-" + round;
      Queue<String> wrong = new ConcurrentLinkedQueue<>();
      REQUEST.set(request);
      try (Scope outer =
          Scope.builder()
              .deadline(Deadline.after(Duration.ofSeconds(30)))
              .propagator(PROPAGATOR)
              .open()) {
        Deadline expected = outer.deadline();
        Fork<List<Integer>> call =
            outer.fork(() ->
                e.runner()
                    .run(
                        items(10),
                        i -> {
                          if (!expected.equals(TaskContext.deadline())) {
                            wrong.add(i + " saw deadline " + TaskContext.deadline());
                          }
                          if (!request.equals(REQUEST.get())) {
                            wrong.add(i + " saw request " + REQUEST.get());
                          }
                          // a race cancels the losers once one child settles
                          if (TaskContext.isCancelled() && !e.firstOnly()) {
                            wrong.add(i + " saw its token cancelled");
                          }
                          return i * 2;
                        }));
        outer.join();
        e.assertResult(call.get(), 10);
      } finally {
        REQUEST.remove();
      }
      assertThat(wrong).as("round %d", round).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("entries")
  void withNoEnclosingScopeChildrenSeeNoDeadlineAndResultsAreAsBefore(Entry e) throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Queue<String> wrong = new ConcurrentLinkedQueue<>();
      List<Integer> out =
          e.runner()
              .run(
                  items(50),
                  i -> {
                    if (!TaskContext.deadline().isNever()) {
                      wrong.add(i + " saw deadline " + TaskContext.deadline());
                    }
                    if (TaskContext.isCancelled() && !e.firstOnly()) { // a race cancels the losers
                      wrong.add(i + " saw its token cancelled");
                    }
                    return i * 2;
                  });
      e.assertResult(out, 50);
      assertThat(wrong).as("round %d", round).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("entries")
  void cancellingTheEnclosingScopeStopsBlockedChildrenBeforeTheCallReturns(Entry e)
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      int k = e.width();
      Blockers b = new Blockers(k);
      Outcome o = new Outcome();
      try (Scope outer = Scope.open(Deadline.after(Duration.ofSeconds(30)))) {
        outer.fork(() -> {
          o.run(e, items(k), b);
          return null;
        });
        b.started.await();
        outer.cancel();
        outer.join();
      }
      assertThat(o.thrown.get()).as("round %d", round).isInstanceOf(CancelledException.class);
      assertThat(o.runningAtReturn.get()).as("children running when the call returned").isZero();
      assertThat(b.sawCancelled.get()).as("children that saw their token cancelled").isEqualTo(k);
    }
  }

  @ParameterizedTest
  @MethodSource("entries")
  void anEnclosingDeadlineThatPassesStopsBlockedChildrenBeforeTheCallReturns(Entry e)
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      int k = e.width();
      Blockers b = new Blockers(k);
      Outcome o = new Outcome();
      ManualClock clock = new ManualClock();
      Thread timeKeeper =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  b.started.await(); // the deadline passes once every child blocks
                  clock.advance(Duration.ofSeconds(31));
                } catch (InterruptedException stop) {
                  Thread.currentThread().interrupt();
                }
              });
      try (Scope outer = Scope.open(Deadline.after(Duration.ofSeconds(30), clock))) {
        outer.fork(() -> {
          o.run(e, items(k), b);
          return null;
        });
        outer.join(); // throws unless the call saw the deadline first and returned before it
      } catch (DeadlineExceededException expected) {
        // the enclosing scope noticed the deadline first
      } finally {
        timeKeeper.join();
      }
      assertThat(o.thrown.get())
          .as("round %d", round)
          .isInstanceOfAny(DeadlineExceededException.class, CancelledException.class);
      assertThat(o.runningAtReturn.get()).as("children running when the call returned").isZero();
      assertThat(b.sawCancelled.get()).as("children that saw their token cancelled").isEqualTo(k);
    }
  }

  @ParameterizedTest
  @MethodSource("entries")
  void interruptingTheCallerStopsBlockedChildrenAndKeepsTheInterrupt(Entry e) throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      int k = e.width();
      Blockers b = new Blockers(k);
      Outcome o = new Outcome();
      Thread caller =
          Thread.ofPlatform().name("caller-" + round).start(() -> o.run(e, items(k), b));
      b.started.await();
      caller.interrupt();
      caller.join();
      assertThat(o.thrown.get()).as("round %d", round).isInstanceOf(e.onInterrupt());
      // an InterruptedException carries the interrupt; a CancelledException sets the flag again
      assertThat(o.interruptedAfter)
          .as("interrupt flag set again")
          .isEqualTo(e.onInterrupt() == CancelledException.class);
      assertThat(o.runningAtReturn.get()).as("children running when the call returned").isZero();
      assertThat(b.sawCancelled.get()).as("children that saw their token cancelled").isEqualTo(k);
    }
  }

  @ParameterizedTest
  @MethodSource("entries")
  void aFailureCancelsTheOtherChildrenAndNamesItsItem(Entry e) throws Exception {
    if (!e.failFast()) {
      return; // the settle form has its own test below
    }
    for (int round = 0; round < ROUNDS; round++) {
      int k = e.width();
      int failing = round % k;
      Blockers b = new Blockers(k - 1);
      Outcome o = new Outcome();
      TaskFunction<Integer, Integer> child =
          i -> {
            if (i != failing) {
              return b.block(i);
            }
            b.started.await(); // fail once every sibling blocks, so each must be cancelled
            throw new IOException("item " + i + " failed");
          };
      try {
        e.runner().run(items(k), child);
      } catch (Throwable t) {
        o.thrown.set(t);
      }
      o.runningAtReturn.set(b.running.get());
      assertThat(o.thrown.get())
          .as("round %d", round)
          .hasRootCauseInstanceOf(IOException.class)
          .hasRootCauseMessage("item " + failing + " failed");
      assertThat(e.namer().item(o.thrown.get())).as("the item named").hasValue(failing);
      assertThat(o.runningAtReturn.get()).as("children running when the call returned").isZero();
      assertThat(b.sawCancelled.get()).as("siblings cancelled").isEqualTo(k - 1);
    }
  }

  @Test
  void theSettleFormCancelsNothingWhenOneChildFails() {
    for (int round = 0; round < ROUNDS; round++) {
      int failing = round % 8;
      CountDownLatch othersDone = new CountDownLatch(7);
      List<Settled<Integer>> out =
          items(8).stream()
              .gather(
                  Gather.mapConcurrentSettled(
                      MapSettings.limit(8),
                      (Integer i) -> {
                        if (i == failing) {
                          othersDone.await(); // fails only after every sibling has finished
                          throw new IOException("item " + i);
                        }
                        othersDone.countDown();
                        return i;
                      }))
              .toList();
      for (int i = 0; i < 8; i++) {
        assertThat(out.get(i).isSuccess()).as("item %d", i).isEqualTo(i != failing);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("entries")
  void nothingLeaksOverAThousandRoundsOfSuccessesAndFailures(Entry e) throws Throwable {
    AtomicInteger running = new AtomicInteger();
    List<Throwable> unexpected = new ArrayList<>();
    Leaks.assertNoLeaks(
        () -> {
          for (int round = 0; round < 1000; round++) {
            int failing = round % 3 == 0 ? round % 6 : -1;
            try {
              List<Integer> out =
                  e.runner()
                      .run(
                          items(6),
                          i -> {
                            running.incrementAndGet();
                            try {
                              if (i == failing) {
                                throw new IOException("item " + i);
                              }
                              return i * 2;
                            } finally {
                              running.decrementAndGet();
                            }
                          });
              if (failing >= 0 && e.failFast() && !e.firstOnly()) {
                unexpected.add(new AssertionError("round " + round + " did not fail"));
              } else if (failing < 0 || e.firstOnly()) {
                e.assertResult(out, 6);
              }
            } catch (RuntimeException failed) {
              if (failing < 0 || !(failed.getCause() instanceof IOException)) {
                unexpected.add(failed);
              }
            }
          }
        },
        Leaks.gauge("children running", running::get));
    assertThat(unexpected).isEmpty();
  }
}
