package dev.weft.policy;

import static dev.weft.policy.CircuitBreaker.State.CLOSED;
import static dev.weft.policy.CircuitBreaker.State.FORCED_OPEN;
import static dev.weft.policy.CircuitBreaker.State.HALF_OPEN;
import static dev.weft.policy.CircuitBreaker.State.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.TaskFailedException;
import dev.weft.test.ManualClock;
import dev.weft.test.Stress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

  private final ManualClock clock = new ManualClock();
  private final Events events = new Events();

  private CircuitBreaker.Builder breaker() {
    return CircuitBreaker.builder()
        .name("payments")
        .timeSource(clock)
        .listener(events)
        .failureRate(0.5)
        .window(4)
        .minimumCalls(4)
        .openFor(Duration.ofSeconds(30))
        .halfOpenTrials(2);
  }

  private static void fail(CircuitBreaker b) {
    assertThatThrownBy(() ->
            b.call(() -> {
              throw new IOException("down");
            }))
        .isInstanceOf(TaskFailedException.class);
  }

  private static void succeed(CircuitBreaker b) {
    assertThat(b.call(() -> "ok")).isEqualTo("ok");
  }

  private List<String> transitions() {
    return events.all(PolicyEvent.BreakerStateChanged.class).stream()
        .map(e -> e.from() + "->" + e.to())
        .toList();
  }

  @Test
  void opensOnceTheMinimumCallsReachTheFailureRate() {
    CircuitBreaker b = breaker().build();
    fail(b);
    fail(b);
    fail(b); // 3 failures but fewer than 4 calls: still closed
    assertThat(b.state()).isEqualTo(CLOSED);
    succeed(b); // 3/4 failed >= 0.5
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(OPEN, 4, 3, 0));
    assertThat(transitions()).containsExactly("CLOSED->OPEN");
  }

  @Test
  void staysClosedBelowTheRate() {
    CircuitBreaker b = breaker().build();
    for (int i = 0; i < 20; i++) {
      if (i % 4 == 0) {
        fail(b);
      } else {
        succeed(b);
      }
    }
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().failureRate()).isEqualTo(0.25);
  }

  @Test
  void anOpenBreakerRejectsWithAMessageThatStandsAlone() {
    CircuitBreaker b = breaker().build();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    clock.advance(Duration.ofSeconds(18));
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(() -> b.call(ran::incrementAndGet))
        .isInstanceOfSatisfying(
            CircuitOpenException.class,
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo(
                      "breaker 'payments' is OPEN (4/4 calls failed, 0/4 slow); retry after"
                          + " PT12S (at 2026-01-01T00:00:30Z)");
              assertThat(e.retryAfter()).contains(Duration.ofSeconds(12));
              assertThat(e.breakerName()).isEqualTo("payments");
              assertThat(e.state()).isEqualTo(OPEN);
            });
    assertThat(ran).hasValue(0);
    assertThat(events.all(PolicyEvent.CallRejected.class)).hasSize(1);
  }

  @Test
  void halfOpenAdmitsTheTrialsAndClosesWhenTheySucceed() throws Throwable {
    CircuitBreaker b = breaker().build();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    clock.advance(Duration.ofSeconds(30));
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(2);
    List<Async<String>> trials = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      trials.add(
          Async.start(() ->
              b.call(() -> {
                running.countDown();
                Async.await(release);
                return "ok";
              })));
    }
    Async.await(running);
    assertThatThrownBy(() -> b.call(() -> "third"))
        .isInstanceOf(CircuitOpenException.class)
        .hasMessage(
            "breaker 'payments' is HALF_OPEN and all 2 trial calls are taken; retry after"
                + " their outcome");
    release.countDown();
    for (Async<String> t : trials) {
      assertThat(t.get()).isEqualTo("ok");
    }
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(CLOSED, 0, 0, 0));
    assertThat(transitions())
        .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
  }

  @Test
  void aFailedTrialReopensForAnotherPeriod() {
    CircuitBreaker b = breaker().build();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    clock.advance(Duration.ofSeconds(30));
    succeed(b);
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    fail(b); // 1/2 failed >= 0.5
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(transitions()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    clock.advance(Duration.ofSeconds(29));
    assertThat(b.state()).isEqualTo(OPEN);
    clock.advance(Duration.ofSeconds(1));
    assertThat(b.state()).isEqualTo(HALF_OPEN);
  }

  @Test
  void aTrialWhoseOutcomeIsIgnoredGivesItsSlotBack() {
    CircuitBreaker b = breaker().ignore(IllegalArgumentException.class).build();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    clock.advance(Duration.ofSeconds(30));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() ->
              b.call(() -> {
                throw new IllegalArgumentException("not the dependency's fault");
              }))
          .isInstanceOf(IllegalArgumentException.class);
    }
    succeed(b);
    succeed(b);
    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void slowCallsOpenItToo() {
    CircuitBreaker b = breaker().slowCalls(Duration.ofSeconds(2), 0.5).build();
    for (int i = 0; i < 4; i++) {
      Duration took = Duration.ofSeconds(i % 2 == 0 ? 3 : 1);
      b.call(() -> {
        clock.advance(took);
        return "slow or not";
      });
    }
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(OPEN, 4, 0, 2));
  }

  @Test
  void aTimeWindowForgetsOutcomesOlderThanItsSpan() {
    CircuitBreaker b =
        CircuitBreaker.builder()
            .timeSource(clock)
            .window(Duration.ofSeconds(10))
            .minimumCalls(4)
            .failureRate(0.5)
            .build();
    fail(b);
    clock.advance(Duration.ofSeconds(5));
    fail(b);
    fail(b);
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(CLOSED, 3, 3, 0));
    clock.advance(Duration.ofSeconds(5)); // the first failure's bucket leaves the window
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(CLOSED, 2, 2, 0));
    clock.advance(Duration.ofSeconds(5)); // and then the others'
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(CLOSED, 0, 0, 0));
    succeed(b); // had the failures stayed, this fourth call would have opened it
    succeed(b);
    fail(b);
    assertThat(b.state()).isEqualTo(CLOSED);
    fail(b); // 2/4 failed
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(OPEN, 4, 2, 0));
  }

  @Test
  void aCountWindowForgetsTheOldestOutcome() {
    CircuitBreaker b = breaker().window(3).minimumCalls(3).failureRate(1.0).build();
    fail(b);
    fail(b);
    succeed(b);
    fail(b); // window: fail, succeed, fail
    assertThat(b.metrics()).isEqualTo(new CircuitBreaker.Metrics(CLOSED, 3, 2, 0));
    fail(b); // succeed, fail, fail
    fail(b); // fail fail fail
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void forceOpenHoldsItOpenUntilReset() {
    CircuitBreaker b = breaker().build();
    b.forceOpen();
    clock.advance(Duration.ofDays(1));
    assertThat(b.state()).isEqualTo(FORCED_OPEN);
    assertThatThrownBy(() -> b.call(() -> "x"))
        .isInstanceOfSatisfying(
            CircuitOpenException.class,
            e -> {
              assertThat(e.retryAfter()).isEmpty();
              assertThat(e.getMessage())
                  .isEqualTo(
                      "breaker 'payments' is FORCED_OPEN (opened by hand) and stays open until"
                          + " reset()");
            });
    b.reset();
    assertThat(b.state()).isEqualTo(CLOSED);
    succeed(b);
    assertThat(transitions()).containsExactly("CLOSED->FORCED_OPEN", "FORCED_OPEN->CLOSED");
  }

  @Test
  void resetAndForceOpenWorkFromOpenAndHalfOpen() {
    CircuitBreaker b = breaker().build();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    b.reset(); // OPEN -> CLOSED
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    b.forceOpen(); // OPEN -> FORCED_OPEN
    b.reset();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    clock.advance(Duration.ofSeconds(30));
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    b.forceOpen(); // HALF_OPEN -> FORCED_OPEN
    assertThat(transitions())
        .containsExactly(
            "CLOSED->OPEN",
            "OPEN->CLOSED",
            "CLOSED->OPEN",
            "OPEN->FORCED_OPEN",
            "FORCED_OPEN->CLOSED",
            "CLOSED->OPEN",
            "OPEN->HALF_OPEN",
            "HALF_OPEN->FORCED_OPEN");
  }

  @Test
  void resultsCanCountAsFailuresAndOtherExceptionsCanBeLeftOut() {
    CircuitBreaker b =
        breaker().recordOn(IOException.class).recordResult(r -> r.equals(503)).build();
    assertThatThrownBy(() ->
            b.call(() -> {
              throw new IllegalStateException("a bug, not an outage");
            }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(b.metrics().calls()).isZero();
    for (int i = 0; i < 4; i++) {
      assertThat(b.call(() -> 503)).isEqualTo(503);
    }
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void theTransitionTableAllowsExactlyTheDocumentedMoves() {
    var allowed =
        java.util.Map.of(
            CLOSED, EnumSet.of(OPEN, FORCED_OPEN),
            OPEN, EnumSet.of(HALF_OPEN, CLOSED, FORCED_OPEN),
            HALF_OPEN, EnumSet.of(CLOSED, OPEN, FORCED_OPEN),
            FORCED_OPEN, EnumSet.of(CLOSED));
    for (CircuitBreaker.State from : CircuitBreaker.State.values()) {
      for (CircuitBreaker.State to : CircuitBreaker.State.values()) {
        assertThat(from.canMoveTo(to))
            .as(from + "->" + to)
            .isEqualTo(allowed.get(from).contains(to));
      }
    }
  }

  @Test
  void settingsAreValidatedWithTheValue() {
    assertThatThrownBy(() -> CircuitBreaker.builder().failureRate(0))
        .hasMessage("failureRate must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> CircuitBreaker.builder().window(0))
        .hasMessage("window must be in [1, 100000] calls, was 0");
    assertThatThrownBy(() -> CircuitBreaker.builder().halfOpenTrials(0))
        .hasMessage("halfOpenTrials must be >= 1, was 0");
    assertThatThrownBy(() -> CircuitBreaker.builder().openFor(Duration.ZERO))
        .hasMessage("openFor must be > 0, was PT0S");
    assertThatThrownBy(() -> CircuitBreaker.builder().window(10).minimumCalls(11).build())
        .hasMessage("minimumCalls must be <= the window's 10 calls, was 11");
    assertThatThrownBy(
            () -> CircuitBreaker.builder().window(10).window(Duration.ofSeconds(1)).build())
        .hasMessage("window: set either a number of calls or a duration, not both");
  }

  /** A breaker whose window holds every call of a round, and the failures its callers saw. */
  private record Outcomes(CircuitBreaker breaker, AtomicInteger calls, AtomicInteger failed) {
    static final int MOST_CALLS = 8 * 500;

    Outcomes() {
      this(
          CircuitBreaker.builder()
              .window(MOST_CALLS)
              .minimumCalls(MOST_CALLS)
              .failureRate(1.0)
              .build(),
          new AtomicInteger(),
          new AtomicInteger());
    }

    void call() {
      boolean bad = calls.getAndIncrement() % 3 == 0;
      try {
        breaker.call(() -> {
          if (bad) {
            throw new IllegalStateException();
          }
          return bad;
        });
      } catch (IllegalStateException expected) {
        failed.incrementAndGet();
      }
    }
  }

  @Test
  void concurrentOutcomesAreAllCounted() throws Throwable {
    Stress.of(Outcomes::new)
        .actors(8, Outcomes::call)
        .repetitions(1, 500)
        .rounds(40)
        .invariant((s, round) -> {
          CircuitBreaker.Metrics m = s.breaker().metrics();
          assertThat(m.calls()).isEqualTo(round.operations());
          assertThat(m.failures()).isEqualTo(s.failed().get());
          assertThat(m.state()).isEqualTo(CLOSED);
        })
        .build()
        .run()
        .assertPassed();
  }

  @Test
  void underContentionHalfOpenAdmitsExactlyItsTrialsAndOneTransitionWins() throws Throwable {
    for (int round = 0; round < 50; round++) {
      Events ev = new Events();
      ManualClock c = new ManualClock();
      CircuitBreaker b =
          CircuitBreaker.builder()
              .timeSource(c)
              .listener(ev)
              .window(2)
              .minimumCalls(2)
              .halfOpenTrials(3)
              .openFor(Duration.ofSeconds(1))
              .build();
      for (int i = 0; i < 2; i++) {
        fail(b);
      }
      c.advance(Duration.ofSeconds(1));
      int threads = 8;
      CountDownLatch gate = new CountDownLatch(1);
      CountDownLatch decided = new CountDownLatch(threads);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger ran = new AtomicInteger();
      AtomicInteger rejected = new AtomicInteger();
      List<Async<Object>> callers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        callers.add(
            Async.startPlatform(() -> {
              Async.await(gate);
              try {
                return b.call(() -> {
                  ran.incrementAndGet();
                  decided.countDown();
                  Async.await(release);
                  return "trial";
                });
              } catch (CircuitOpenException e) {
                rejected.incrementAndGet();
                decided.countDown();
                return "rejected";
              }
            }));
      }
      gate.countDown();
      Async.await(decided);
      assertThat(ran).hasValue(3);
      assertThat(rejected).hasValue(threads - 3);
      release.countDown();
      for (Async<Object> a : callers) {
        a.get();
      }
      assertThat(b.state()).isEqualTo(CLOSED);
      long closings =
          ev.all(PolicyEvent.BreakerStateChanged.class).stream()
              .filter(e -> e.from() == HALF_OPEN)
              .count();
      assertThat(closings).isEqualTo(1);
    }
  }

  @Test
  void aTrialWhoseOutcomeIsNotRecordedGivesItsSlotBackEvenAfterARejection() throws Throwable {
    List<Exception> unrecorded =
        List.of(
            new java.util.concurrent.CancellationException("cancelled"),
            new InterruptedException("interrupted"),
            new IllegalStateException("ignored type"),
            new ErrorCarrier(new AssertionError("an Error")));
    for (Exception outcome : unrecorded) {
      ManualClock c = new ManualClock();
      CircuitBreaker b =
          CircuitBreaker.builder()
              .name("probe")
              .timeSource(c)
              .window(2)
              .minimumCalls(2)
              .halfOpenTrials(1)
              .ignore(IllegalStateException.class)
              .openFor(Duration.ofSeconds(1))
              .build();
      fail(b);
      fail(b);
      c.advance(Duration.ofSeconds(1));
      CountDownLatch probing = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Async<Object> probe =
          Async.start(() ->
              b.call(() -> {
                probing.countDown();
                Async.await(release);
                if (outcome instanceof ErrorCarrier e) {
                  throw e.error;
                }
                throw outcome;
              }));
      Async.await(probing);
      assertThatThrownBy(() -> b.call(() -> "rejected")).isInstanceOf(CircuitOpenException.class);
      release.countDown();
      assertThat(probe.failure()).as("probe outcome for %s", outcome).isNotNull();
      c.advance(Duration.ofHours(1));
      assertThat(b.state()).as("after %s", outcome).isEqualTo(HALF_OPEN);
      assertThat(b.call(() -> "next trial")).as("after %s", outcome).isEqualTo("next trial");
      assertThat(b.state()).as("after %s", outcome).isEqualTo(CLOSED);
    }
  }

  @Test
  void aTrialWhoseResultPredicateThrowsGivesItsSlotBack() {
    CircuitBreaker b =
        breaker()
            .halfOpenTrials(1)
            .recordResult(r -> {
              if ("boom".equals(r)) {
                throw new IllegalStateException("predicate failed");
              }
              return false;
            })
            .build();
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    clock.advance(Duration.ofSeconds(30));
    assertThatThrownBy(() -> b.call(() -> "boom")).hasMessage("predicate failed");
    assertThat(b.call(() -> "ok")).isEqualTo("ok");
    assertThat(b.state()).isEqualTo(CLOSED);
  }

  /** Carries an Error through the list of outcomes, which holds exceptions. */
  private static final class ErrorCarrier extends Exception {
    final Error error;

    ErrorCarrier(Error error) {
      super(error);
      this.error = error;
    }
  }
}
