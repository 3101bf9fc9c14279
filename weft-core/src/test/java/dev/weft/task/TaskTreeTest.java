package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.time.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class TaskTreeTest {

  @Test
  void showsNestedScopesTheirRunningForksAndTheirStacks() throws Exception {
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    String text;
    String json;
    try (Scope outer =
        Scope.builder().name("report").deadline(Deadline.after(Duration.ofHours(1))).open()) {
      outer.fork(
          "load",
          () ->
              Tasks.all(
                  List.of(1, 2),
                  i -> {
                    started.countDown();
                    release.await();
                    return i;
                  }));
      started.await();
      text = TaskTree.text();
      json = TaskTree.json();
      release.countDown();
      outer.join();
    }
    assertThat(text)
        .contains("scope 'report' owned by '" + Thread.currentThread().getName() + "': 1 forks")
        .contains("deadline in PT")
        .contains("\n  load RUNNING on 'weft-scope'")
        .contains("\n    scope 'Tasks.all' owned by 'weft-scope': 2 forks, 2 running")
        .contains("\n      task #0 RUNNING")
        .contains("\n      task #1 RUNNING")
        .contains("at java.base/java.util.concurrent.CountDownLatch.await");
    assertThat(json)
        .startsWith("{\"scopes\":[{\"name\":\"report\"")
        .contains("\"tasks\":[{\"name\":\"load\",\"index\":0")
        .contains("\"scopes\":[{\"name\":\"Tasks.all\"")
        .contains("\"deadlineNanos\":")
        .endsWith("]}]}]}]}");
    assertThat(TaskTree.text(false)).doesNotContain("'report'");
  }

  @Test
  void saysSoWhenNothingRuns() {
    assertThat(TaskTree.text(false)).isEqualTo("weft task tree: no scope has a running fork\n");
    assertThat(TaskTree.json()).isEqualTo("{\"scopes\":[]}");
  }
}
