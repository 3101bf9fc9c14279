package dev.weft.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class TaskGraphTest {

  @Test
  void eachTaskReceivesItsParentsResults() throws Exception {
    GraphResult r =
        TaskGraph.builder()
            .task(
                "sum",
                List.of("a", "b"),
                in -> in.get("a", Integer.class) + in.get("b", Integer.class))
            .task("a", () -> 2)
            .task("b", () -> 3)
            .task("twice", List.of("sum"), in -> 2 * in.get("sum", Integer.class))
            .build()
            .run();
    assertThat(r.succeeded()).isTrue();
    assertThat(r.value("twice", Integer.class)).isEqualTo(10);
    assertThat(r.outcomes().keySet()).containsExactly("sum", "a", "b", "twice");
  }

  @RepeatedTest(20)
  void tasksStartOnlyAfterAllTheirParentsAndNeverAboveTheLimit() throws Throwable {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    TaskGraph.Builder b = TaskGraph.builder().concurrency(3);
    // a layered DAG: n depends on n-1 and n-2 for the "chain" tasks, plus free leaves
    for (int i = 0; i < 30; i++) {
      String name = "t" + i;
      List<String> deps = i < 2 ? List.of() : List.of("t" + (i - 1), "t" + (i - 2));
      if (i % 3 == 0) {
        deps = List.of();
      }
      b.task(
          name,
          deps,
          in -> {
            max.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            events.add("start " + name);
            Thread.yield();
            events.add("end " + name);
            inFlight.decrementAndGet();
            return name;
          });
    }
    TaskGraph graph = b.build();
    Leaks.assertNoLeaks(() -> assertThat(graph.run().succeeded()).isTrue());
    assertThat(max.get()).isLessThanOrEqualTo(3);
    for (int i = 2; i < 30; i++) {
      if (i % 3 != 0) {
        int start = events.indexOf("start t" + i);
        assertThat(events.indexOf("end t" + (i - 1))).isLessThan(start);
        assertThat(events.indexOf("end t" + (i - 2))).isLessThan(start);
      }
    }
  }

  @Test
  void withConcurrencyOneTheOrderIsTopologicalAndDeclarationOrderBreaksTies() throws Exception {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    TaskGraph graph =
        TaskGraph.builder()
            .concurrency(1)
            .task("deploy", List.of("test", "build"), in -> ran.add("deploy"))
            .task("build", List.of("fetch"), in -> ran.add("build"))
            .task("lint", () -> ran.add("lint"))
            .task("fetch", () -> ran.add("fetch"))
            .task("test", List.of("build"), in -> ran.add("test"))
            .build();
    graph.run();
    assertThat(ran).containsExactly("lint", "fetch", "build", "test", "deploy");
    assertThat(graph.order()).containsExactlyElementsOf(ran);
  }

  @Test
  void aFailureSkipsItsDependantsButNotTheRest() throws Exception {
    IllegalStateException boom = new IllegalStateException("fetch failed");
    GraphResult r =
        TaskGraph.builder()
            .task(
                "fetch",
                () -> {
                  throw boom;
                })
            .task("parse", List.of("fetch"), in -> "parsed")
            .task("store", List.of("parse", "other"), in -> "stored")
            .task("other", () -> "ok")
            .build()
            .run();
    assertThat(r.outcome("fetch")).isEqualTo(new NodeOutcome.Failed(boom));
    assertThat(r.outcome("parse")).isEqualTo(new NodeOutcome.Skipped(List.of("fetch")));
    assertThat(r.outcome("store")).isEqualTo(new NodeOutcome.Skipped(List.of("parse")));
    assertThat(r.outcome("other")).isEqualTo(new NodeOutcome.Succeeded("ok"));
    assertThatThrownBy(r::throwIfFailed)
        .isInstanceOf(GraphResult.TaskGraphException.class)
        .hasMessageContaining("fetch failed (java.lang.IllegalStateException: fetch failed)")
        .hasMessageContaining("parse skipped (after [fetch])")
        .hasCause(boom);
  }

  @Test
  void failFastInterruptsRunningTasksAndCancelsTheRest() throws Throwable {
    CountDownLatch slowStarted = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    TaskGraph graph =
        TaskGraph.builder()
            .failFast(true)
            .concurrency(2)
            .task(
                "slow",
                () -> {
                  slowStarted.countDown();
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                  }
                  return "never";
                })
            .task(
                "bad",
                () -> {
                  slowStarted.await();
                  throw new IllegalArgumentException("bad");
                })
            .task("later", () -> "not started")
            .task("child", List.of("slow"), in -> "never")
            .build();
    GraphResult[] result = new GraphResult[1];
    Leaks.assertNoLeaks(() -> result[0] = graph.run());
    GraphResult r = result[0];
    assertThat(interrupted.get()).isEqualTo(1);
    assertThat(r.outcome("slow")).isEqualTo(new NodeOutcome.Cancelled(true));
    assertThat(r.outcome("bad")).isInstanceOf(NodeOutcome.Failed.class);
    assertThat(r.outcome("later")).isEqualTo(new NodeOutcome.Cancelled(false));
    assertThat(r.outcome("child")).isEqualTo(new NodeOutcome.Cancelled(false));
  }

  @Test
  void cyclesAndUnknownDependenciesAreRejectedBeforeAnythingRuns() {
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(() ->
            TaskGraph.builder()
                .task("a", List.of("c"), in -> ran.incrementAndGet())
                .task("b", List.of("a"), in -> ran.incrementAndGet())
                .task("c", List.of("b"), in -> ran.incrementAndGet())
                .task("d", () -> ran.incrementAndGet())
                .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tasks depend on each other in a cycle (a -> b: a needs b): a -> c -> b -> a");
    assertThatThrownBy(() ->
            TaskGraph.builder()
                .task("a", List.of("nope"), in -> 1)
                .task("b", List.of("a", "ghost"), in -> 1)
                .build())
        .hasMessage("'a' depends on unknown task 'nope'; 'b' depends on unknown task 'ghost'");
    assertThatThrownBy(() -> TaskGraph.builder().task("x", () -> 1).task("x", () -> 2).build())
        .hasMessage("task names must be unique; defined twice: [x]");
    assertThatThrownBy(() -> TaskGraph.builder().concurrency(0))
        .hasMessage("concurrency must be >= 1, was 0");
    assertThat(ran.get()).isZero();
  }

  @Test
  void askingForAnInputThatIsNotADependencyNamesTheDependencies() throws Exception {
    GraphResult r =
        TaskGraph.builder()
            .task("a", () -> 1)
            .task("b", List.of("a"), in -> in.get("zzz"))
            .build()
            .run();
    assertThat(((NodeOutcome.Failed) r.outcome("b")).error())
        .hasMessage("'zzz' is not a dependency of this task; its dependencies are [a]");
  }
}
