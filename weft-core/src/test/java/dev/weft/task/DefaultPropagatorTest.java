package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultPropagatorTest {

  private final ThreadLocal<String> requestId = new ThreadLocal<>();

  @AfterEach
  void removeDefault() {
    ContextPropagator.setDefault(null);
    requestId.remove();
  }

  @Test
  void tasksAllOutsideAnyScopeCarriesTheDefaultIntoEveryFork() {
    ContextPropagator.setDefault(ContextPropagator.threadLocal(requestId));
    for (int round = 0; round < 50; round++) {
      requestId.set("req-" + round);
      List<String> seen = Tasks.all(List.of(1, 2, 3, 4), i -> requestId.get() + "/" + i);
      assertThat(seen)
          .containsExactly(
              "req-" + round + "/1",
              "req-" + round + "/2",
              "req-" + round + "/3",
              "req-" + round + "/4");
    }
  }

  @Test
  void withoutADefaultForksSeeNothing() {
    requestId.set("req");
    assertThat(Tasks.all(List.of(1, 2), i -> String.valueOf(requestId.get())))
        .containsExactly("null", "null");
  }

  @Test
  void aScopesOwnPropagatorReplacesTheDefault() throws Exception {
    ThreadLocal<String> other = new ThreadLocal<>();
    ContextPropagator.setDefault(ContextPropagator.threadLocal(requestId));
    requestId.set("default");
    other.set("own");
    try (var scope = Scope.builder().propagator(ContextPropagator.threadLocal(other)).open()) {
      var f = scope.fork(() -> requestId.get() + "," + other.get());
      scope.join();
      assertThat(f.get()).isEqualTo("null,own");
    }
  }

  @Test
  void setDefaultReturnsThePreviousOneAndNullRemovesIt() {
    ContextPropagator first = ContextPropagator.threadLocal(requestId);
    assertThat(ContextPropagator.setDefault(first)).isNull();
    assertThat(ContextPropagator.getDefault()).isSameAs(first);
    assertThat(ContextPropagator.setDefault(null)).isSameAs(first);
    assertThat(ContextPropagator.getDefault()).isNull();
  }

  @Test
  void carryOutsideAnyScopeCapturesWithTheDefault() throws Exception {
    ContextPropagator.setDefault(ContextPropagator.threadLocal(requestId));
    requestId.set("submitter");
    Callable<String> carried = TaskContext.carry(requestId::get);
    requestId.set("runner");
    assertThat(carried.call()).isEqualTo("submitter");
    assertThat(requestId.get()).isEqualTo("runner");
  }
}
