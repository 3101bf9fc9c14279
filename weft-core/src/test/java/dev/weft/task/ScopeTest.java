package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.observe.WeftThreads;
import dev.weft.test.ManualClock;
import dev.weft.time.Deadline;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ScopeTest {

  /** Blocks until interrupted: a task that would otherwise run for ever. */
  static String blockUntilInterrupted() throws InterruptedException {
    new CountDownLatch(1).await();
    throw new AssertionError("unreachable");
  }

  @Test
  void aClosedScopeLeavesItsResultsToTheCollectorThoughTheLiveListStillHoldsItsGroup() {
    // the live list drops an idle scope's entry only at a later sweep; until then the entry must
    // not keep the scope's forks, tasks and results reachable (a Parallel.map kept its arrays)
    for (int round = 0; round < 20; round++) {
      List<WeakReference<byte[]>> results = forkAndClose();
      for (int gc = 0; gc < 50 && results.stream().anyMatch(r -> r.get() != null); gc++) {
        System.gc();
      }
      assertThat(results).as("round %d", round).allMatch(r -> r.get() == null, "collected");
    }
  }

  private static List<WeakReference<byte[]>> forkAndClose() {
    List<WeakReference<byte[]>> out = new ArrayList<>();
    try (Scope scope = Scope.open()) {
      for (int i = 0; i < 4; i++) {
        byte[] big = new byte[64 * 1024];
        out.add(new WeakReference<>(big));
        scope.fork(() -> big);
      }
      scope.join();
    }
    return out;
  }

  @Test
  void joinWaitsForEveryForkAndGetReturnsTheirValues() {
    try (var scope = Scope.open()) {
      Fork<String> a = scope.fork(() -> "a");
      Fork<Integer> b = scope.fork("b", () -> 2);
      scope.join();
      assertThat(a.get()).isEqualTo("a");
      assertThat(b.get()).isEqualTo(2);
      assertThat(a.state()).isEqualTo(Fork.State.SUCCEEDED);
      assertThat(a.name()).isEqualTo("task #0");
      assertThat(b.name()).isEqualTo("b");
      assertThat(b.index()).isEqualTo(1);
    }
  }

  /*
   * Leak checks (weft-test's Leaks) see a scope's forks through WeftThreads.live(), where a scope
   * lists its forks as one group: each fork's thread is listed from before it starts until it
   * settles, including while it runs past a join that was never called.
   */
  @Test
  void forksAreListedAsLiveThreadsUntilTheySettle() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(3);
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    Scope scope = Scope.open();
    try {
      for (int i = 0; i < 3; i++) {
        scope.fork(() -> {
          threads.add(Thread.currentThread());
          running.countDown();
          release.await();
          return null;
        });
      }
      running.await();
      assertThat(threads).hasSize(3);
      assertThat(WeftThreads.live()).containsAll(threads);
      release.countDown();
      scope.join();
      assertThat(WeftThreads.live()).doesNotContainAnyElementsOf(threads);
    } finally {
      release.countDown();
      scope.close();
    }
    assertThat(WeftThreads.live()).doesNotContainAnyElementsOf(threads);
  }

  @Test
  void aFailureCancelsTheSiblingsAndJoinRethrowsItUnchanged() {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicReference<Fork<String>> sibling = new AtomicReference<>();
    try (var scope = Scope.open()) {
      sibling.set(scope.fork(ScopeTest::blockUntilInterrupted));
      scope.fork(() -> {
        throw boom;
      });
      assertThatThrownBy(scope::join).isSameAs(boom);
      assertThat(sibling.get().state()).isEqualTo(Fork.State.CANCELLED);
      assertThat(boom.getSuppressed())
          .anySatisfy(s ->
              assertThat(s)
                  .isInstanceOf(FanOutException.class)
                  .hasMessageContaining("0 succeeded, 1 failed, 1 cancelled"));
      assertThatThrownBy(() -> sibling.get().get()).isInstanceOf(CancelledException.class);
    }
  }

  @Test
  void aCheckedFailureIsWrappedOnceNamingTheTask() {
    try (var scope = Scope.open()) {
      scope.fork(() -> "fine");
      scope.fork(
          "loader",
          () -> {
            throw new IOException("disk");
          });
      assertThatThrownBy(scope::join)
          .isInstanceOf(TaskFailedException.class)
          .hasMessageStartingWith("task #1 'loader' failed after PT")
          .hasMessageContaining("java.io.IOException: disk")
          .hasCauseInstanceOf(IOException.class);
    }
  }

  @Test
  void collectAllLetsEveryForkFinish() {
    try (var scope = Scope.builder().collectAll().open()) {
      Fork<String> bad =
          scope.fork(() -> {
            throw new IOException("x");
          });
      Fork<String> good = scope.fork(() -> "ok");
      scope.join();
      assertThat(good.get()).isEqualTo("ok");
      assertThat(bad.settled()).isInstanceOf(Settled.Failure.class);
      assertThat(((Settled.Failure<String>) bad.settled()).cause()).isInstanceOf(IOException.class);
      assertThatThrownBy(bad::get).isInstanceOf(TaskFailedException.class);
    }
  }

  @Test
  void forksSeeTheScopeTokenAndDeadline() {
    ManualClock clock = new ManualClock();
    Deadline deadline = Deadline.after(Duration.ofSeconds(3), clock);
    try (var scope = Scope.open(deadline)) {
      Fork<CancellationToken> token = scope.fork(TaskContext::token);
      Fork<Deadline> seen = scope.fork(TaskContext::deadline);
      Fork<Duration> left = scope.fork(TaskContext::remaining);
      scope.join();
      assertThat(token.get()).isSameAs(scope.token());
      assertThat(seen.get()).isEqualTo(deadline);
      assertThat(left.get()).isEqualTo(Duration.ofSeconds(3));
    }
    assertThat(TaskContext.token()).isSameAs(CancellationToken.none());
    assertThat(TaskContext.deadline().isNever()).isTrue();
  }

  @Test
  void theDeadlineCancelsTheForksAndJoinThrowsOnceTheyStopped() throws Exception {
    ManualClock clock = new ManualClock();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Fork<String>> fork = new AtomicReference<>();
    Thread owner =
        Thread.ofPlatform()
            .start(() -> {
              try (var scope = Scope.open(Deadline.after(Duration.ofSeconds(2), clock))) {
                fork.set(scope.fork(ScopeTest::blockUntilInterrupted));
                scope.join();
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(2));
    owner.join();
    assertThat(thrown.get())
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessageContaining(
            "deadline of PT2S exceeded in scope after PT2S; 1 of 1 tasks cancelled");
    assertThat(((DeadlineExceededException) thrown.get()).timeout())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(fork.get().state()).isEqualTo(Fork.State.CANCELLED);
  }

  @Test
  void anotherThreadCannotForkJoinOrClose() throws Exception {
    try (var scope = Scope.open()) {
      AtomicReference<Throwable> fork = new AtomicReference<>();
      AtomicReference<Throwable> join = new AtomicReference<>();
      AtomicReference<Throwable> close = new AtomicReference<>();
      Thread other =
          Thread.ofPlatform()
              .name("intruder")
              .start(() -> {
                fork.set(catching(() -> scope.fork(() -> 1)));
                join.set(catching(scope::join));
                close.set(catching(scope::close));
              });
      other.join();
      assertThat(fork.get())
          .isInstanceOf(WrongThreadException.class)
          .hasMessageContaining("thread 'intruder' cannot fork");
      assertThat(join.get()).isInstanceOf(WrongThreadException.class);
      assertThat(close.get()).isInstanceOf(WrongThreadException.class);
      scope.join();
      assertThat(scope.forks()).isEmpty();
    }
  }

  @Test
  void forkingAfterCloseIsRejected() {
    Scope scope = Scope.open();
    scope.close();
    assertThatThrownBy(() -> scope.fork(() -> 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(scope::join).isInstanceOf(IllegalStateException.class);
    scope.close(); // again: harmless
  }

  @Test
  void closeCancelsForksThatWereNeverJoined() {
    Fork<String> fork;
    try (var scope = Scope.open()) {
      fork = scope.fork(ScopeTest::blockUntilInterrupted);
    }
    assertThat(fork.state()).isEqualTo(Fork.State.CANCELLED);
  }

  @Test
  void cancelFromAnyThreadStopsTheForksAndJoinReturns() throws Exception {
    try (var scope = Scope.open()) {
      Fork<String> fork = scope.fork(ScopeTest::blockUntilInterrupted);
      Thread.ofPlatform().start(scope::cancel).join();
      scope.join();
      assertThat(fork.state()).isEqualTo(Fork.State.CANCELLED);
      assertThat(scope.isCancelled()).isTrue();
      Fork<String> late = scope.fork(() -> "never runs");
      scope.join();
      assertThat(late.state()).isEqualTo(Fork.State.CANCELLED);
    }
  }

  @Test
  void getBeforeJoinIsAnError() {
    CountDownLatch release = new CountDownLatch(1);
    try (var scope = Scope.open()) {
      Fork<String> fork =
          scope.fork(() -> {
            release.await();
            return "x";
          });
      assertThatThrownBy(fork::get)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("call join() before get");
      release.countDown();
      scope.join();
      assertThat(fork.get()).isEqualTo("x");
    }
  }

  @Test
  void aCancellationSourceCancelsTheScopeFromOutside() throws Exception {
    CancellationSource stop = new CancellationSource();
    CountDownLatch started = new CountDownLatch(1);
    try (var scope = Scope.builder().cancellation(stop.token()).open()) {
      scope.fork(() -> {
        started.countDown();
        return blockUntilInterrupted();
      });
      started.await();
      stop.cancel("user pressed stop");
      assertThatThrownBy(scope::join)
          .isInstanceOf(CancelledException.class)
          .hasMessageContaining("user pressed stop")
          .hasMessageContaining("1 of 1 tasks cancelled");
    }
  }

  @Test
  void thePropagatorCarriesContextIntoForks() {
    ThreadLocal<String> requestId = new ThreadLocal<>();
    ContextPropagator carry =
        body -> {
          String captured = requestId.get();
          return () -> {
            requestId.set(captured);
            try {
              body.run();
            } finally {
              requestId.remove();
            }
          };
        };
    requestId.set("req-42");
    try (var scope = Scope.builder().propagator(carry).open()) {
      Fork<String> seen = scope.fork(requestId::get);
      Fork<String> nested = scope.fork(() -> Tasks.all(requestId::get).getFirst());
      scope.join();
      assertThat(seen.get()).isEqualTo("req-42");
      assertThat(nested.get()).isEqualTo("req-42");
    } finally {
      requestId.remove();
    }
  }

  @Test
  void aThreadLocalPropagatorGivesAPooledThreadItsOwnValueBack() throws Exception {
    ThreadLocal<String> requestId = new ThreadLocal<>();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> requestId.set("the pool's own")).get();
      requestId.set("req-7");
      try (var scope =
          Scope.builder()
              .executor(pool)
              .propagator(ContextPropagator.threadLocal(requestId))
              .open()) {
        Fork<String> seen = scope.fork(requestId::get);
        scope.join();
        assertThat(seen.get()).isEqualTo("req-7");
      }
      assertThat(pool.submit(requestId::get).get()).isEqualTo("the pool's own");
    } finally {
      requestId.remove();
      pool.shutdown();
    }
  }

  @Test
  void theBuilderRejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> Scope.builder().timeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be >= 0, was PT-1S");
    assertThatThrownBy(() -> Scope.builder().stuckGrace(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stuckGrace must be > 0, was PT0S");
  }

  @Test
  void aScopeOpenedInsideACancelledTaskIsCancelledAtOnce() {
    try (var outer = Scope.open()) {
      Fork<Fork.State> inner =
          outer.fork(() -> {
            TaskContext.token().onCancel(() -> {}).close();
            outer.cancel();
            try (var nested = Scope.open()) {
              Fork<String> never = nested.fork(() -> "never runs");
              assertThatThrownBy(nested::join)
                  .isInstanceOf(CancelledException.class)
                  .hasMessageContaining("cancelled from outside");
              return never.state();
            }
          });
      outer.join();
      assertThat(inner.state()).isEqualTo(Fork.State.SUCCEEDED);
      assertThat(inner.get()).isEqualTo(Fork.State.CANCELLED);
    }
  }

  @Test
  void joinThrowsTheSameFailureAgain() {
    IllegalStateException boom = new IllegalStateException("boom");
    try (var scope = Scope.open()) {
      scope.fork(() -> {
        throw boom;
      });
      assertThatThrownBy(scope::join).isSameAs(boom);
      assertThatThrownBy(scope::join).isSameAs(boom);
    }
  }

  @Test
  void theTokenReasonNamesTheFailedSibling() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<RuntimeException> reason = new AtomicReference<>();
    try (var scope = Scope.open()) {
      scope.fork(() -> {
        started.countDown();
        try {
          return blockUntilInterrupted();
        } finally {
          reason.set(TaskContext.token().reason().orElseThrow());
        }
      });
      started.await();
      scope.fork(
          "parser",
          () -> {
            throw new IllegalArgumentException("bad input");
          });
      assertThatThrownBy(scope::join).hasMessage("bad input");
    }
    assertThat(reason.get())
        .isInstanceOf(CancelledException.class)
        .hasMessageContaining("task #1 'parser' failed")
        .hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void propagatorsComposeFirstOutermost() {
    java.util.List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
    ContextPropagator a =
        body ->
            () -> {
              order.add("a-in");
              body.run();
              order.add("a-out");
            };
    ContextPropagator b =
        body ->
            () -> {
              order.add("b-in");
              body.run();
              order.add("b-out");
            };
    try (var scope =
        Scope.builder().propagator(ContextPropagator.of(java.util.List.of(a, b))).open()) {
      scope.fork(() -> order.add("body"));
      scope.join();
    }
    assertThat(order).containsExactly("a-in", "b-in", "body", "b-out", "a-out");
  }

  static Throwable catching(ThrowingRunnable r) {
    try {
      r.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  interface ThrowingRunnable {
    void run() throws Throwable;
  }
}
