package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.TaskFailedException;
import dev.weft.test.ManualClock;
import dev.weft.time.Deadline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {

  private final ManualClock clock = new ManualClock();
  private final Events events = new Events();

  private Retry.Builder<Object> fixed(Duration delay) {
    return Retry.builder()
        .backoff(Backoff.fixed(delay))
        .timeSource(clock)
        .random(new SplittableRandom(1))
        .listener(events);
  }

  /** Waits until the retry scheduled its next attempt and sleeps on the clock. */
  private void sleeping() throws InterruptedException {
    events.next(PolicyEvent.RetryScheduled.class);
    clock.awaitParked(1);
  }

  /** Work that fails {@code failures} times with IOException, then returns "ok". */
  private static java.util.concurrent.Callable<Object> failing(int failures, AtomicInteger calls) {
    return () -> {
      int n = calls.incrementAndGet();
      if (n <= failures) {
        throw new IOException("boom " + n);
      }
      return "ok";
    };
  }

  @Test
  void retriesUntilSuccessSleepingTheBackoffOnTheClock() throws Throwable {
    Retry<Object> retry = fixed(Duration.ofSeconds(1)).maxAttempts(3).build();
    AtomicInteger calls = new AtomicInteger();
    Async<Object> call = Async.start(() -> retry.call(failing(2, calls)));
    for (int i = 0; i < 2; i++) {
      sleeping();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(call.get()).isEqualTo("ok");
    assertThat(calls).hasValue(3);
    assertThat(events.all(PolicyEvent.RetryScheduled.class))
        .extracting(PolicyEvent.RetryScheduled::delay)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
  }

  @Test
  void givingUpKeepsEveryAttemptsFailureAndTheCount() throws Throwable {
    Retry<Object> retry = fixed(Duration.ZERO).name("payments").maxAttempts(3).build();
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> retry.call(failing(10, calls)))
        .isInstanceOfSatisfying(
            RetriesExhaustedException.class,
            e -> {
              assertThat(e.attempts()).isEqualTo(3);
              assertThat(e.reason()).isEqualTo(RetriesExhaustedException.Reason.MAX_ATTEMPTS);
              assertThat(e.getCause()).hasMessage("boom 3");
              assertThat(e.getSuppressed())
                  .extracting(Throwable::getMessage)
                  .containsExactly("boom 1", "boom 2");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "retry 'payments' gave up after 3 attempts in PT0S (max attempts 3"
                          + " reached); last failure: java.io.IOException: boom 3");
            });
    assertThat(events.all())
        .last()
        .isEqualTo(
            new PolicyEvent.RetryGaveUp(
                "payments", 3, RetriesExhaustedException.Reason.MAX_ATTEMPTS));
  }

  @Test
  void exceptionsNotRetriedPropagateUnchangedAfterOneAttempt() {
    Retry<Object> retry = fixed(Duration.ZERO).retryOn(IOException.class).build();
    AtomicInteger calls = new AtomicInteger();
    IllegalStateException bad = new IllegalStateException("bad");
    assertThatThrownBy(() ->
            retry.call(() -> {
              calls.incrementAndGet();
              throw bad;
            }))
        .isSameAs(bad);
    assertThat(calls).hasValue(1);
  }

  @Test
  void abortOnWinsOverRetryOn() {
    Retry<Object> retry =
        fixed(Duration.ZERO)
            .retryOn(IOException.class)
            .abortOn(java.io.FileNotFoundException.class)
            .build();
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() ->
            retry.call(() -> {
              calls.incrementAndGet();
              throw new java.io.FileNotFoundException("gone");
            }))
        .isInstanceOf(TaskFailedException.class)
        .hasCauseInstanceOf(java.io.FileNotFoundException.class)
        .hasMessage("call under policy 'retry' failed: java.io.FileNotFoundException: gone");
    assertThat(calls).hasValue(1);
  }

  @Test
  void circuitOpenIsNotRetriedByDefault() {
    CircuitBreaker breaker = CircuitBreaker.builder().timeSource(clock).build();
    breaker.forceOpen();
    Retry<Object> retry = fixed(Duration.ZERO).build();
    assertThatThrownBy(() -> Policy.of(retry, breaker).call(() -> "x"))
        .isInstanceOf(CircuitOpenException.class);
  }

  record Response(int status, Duration retryAfter) {}

  @Test
  void retriesOnResultsAndHonoursTheHintWithinItsCap() throws Throwable {
    Retry<Response> retry =
        Retry.<Response>builder()
            .backoff(Backoff.fixed(Duration.ofSeconds(1)))
            .timeSource(clock)
            .listener(events)
            .maxAttempts(4)
            .retryIfResult(r -> r.status() == 503)
            .retryHint(Duration.ofSeconds(30), (r, failure) -> r == null ? null : r.retryAfter())
            .build();
    AtomicInteger calls = new AtomicInteger();
    Async<Response> call =
        Async.start(() ->
            retry.call(() ->
                switch (calls.incrementAndGet()) {
                  case 1 -> new Response(503, Duration.ofSeconds(5));
                  case 2 -> new Response(503, Duration.ofSeconds(120)); // over the cap
                  default -> new Response(200, Duration.ZERO);
                }));
    sleeping();
    clock.advance(Duration.ofSeconds(5));
    sleeping();
    clock.advance(Duration.ofSeconds(30));
    assertThat(call.get().status()).isEqualTo(200);
    assertThat(events.all(PolicyEvent.RetryScheduled.class))
        .extracting(PolicyEvent.RetryScheduled::delay)
        .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  @Test
  void whenTheLastAttemptReturnsARejectedResultThatResultIsReturned() {
    Retry<Integer> retry =
        Retry.<Integer>builder()
            .backoff(Backoff.fixed(Duration.ZERO))
            .maxAttempts(2)
            .retryIfResult(status -> status == 503)
            .build();
    assertThat(retry.call(() -> 503)).isEqualTo(503);
  }

  @Test
  void stopsBeforeSleepingPastTheMaximumDuration() throws Throwable {
    Retry<Object> retry = fixed(Duration.ofSeconds(1)).maxDuration(Duration.ofMillis(2500)).build();
    assertThat(retry.maxAttempts()).isEqualTo(Integer.MAX_VALUE);
    AtomicInteger calls = new AtomicInteger();
    Async<Object> call = Async.start(() -> retry.call(failing(100, calls)));
    for (int i = 0; i < 2; i++) {
      sleeping();
      clock.advance(Duration.ofSeconds(1));
    }
    Throwable failure = call.failure();
    assertThat(failure).isInstanceOf(RetriesExhaustedException.class);
    RetriesExhaustedException e = (RetriesExhaustedException) failure;
    assertThat(e.reason()).isEqualTo(RetriesExhaustedException.Reason.MAX_DURATION);
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(e.elapsed()).isEqualTo(Duration.ofSeconds(2));
    assertThat(calls).hasValue(3);
  }

  @Test
  void aBudgetSharedByCallsStopsRetriesOnceHalfItsTokensAreGone() {
    RetryBudget budget = RetryBudget.of(10, 0.5);
    Retry<Object> retry = fixed(Duration.ZERO).maxAttempts(100).budget(budget).build();
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> retry.call(failing(1000, calls)))
        .isInstanceOfSatisfying(
            RetriesExhaustedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(RetriesExhaustedException.Reason.BUDGET);
              assertThat(e.attempts()).isEqualTo(5); // 10 -> 5 tokens: 5 is not more than half
            });
    assertThat(budget.tokens()).isEqualTo(5.0);
    assertThat(budget.allowsRetry()).isFalse();
    // the next call gets one attempt, no retry; successes refill
    AtomicInteger more = new AtomicInteger();
    assertThatThrownBy(() -> retry.call(failing(1000, more)))
        .isInstanceOf(RetriesExhaustedException.class);
    assertThat(more).hasValue(1);
    assertThat(budget.tokens()).isEqualTo(4.0);
    for (int i = 0; i < 3; i++) {
      retry.call(() -> "ok");
    }
    assertThat(budget.tokens()).isEqualTo(5.5);
    assertThat(budget.allowsRetry()).isTrue();
  }

  @Test
  void anInterruptDuringTheBackoffSleepStopsTheRetry() throws Throwable {
    Retry<Object> retry = fixed(Duration.ofDays(1)).maxAttempts(5).build();
    AtomicInteger calls = new AtomicInteger();
    Async<Object> call = Async.start(() -> retry.call(failing(100, calls)));
    sleeping();
    call.thread().interrupt();
    Throwable failure = call.failure();
    assertThat(failure)
        .isInstanceOf(CancellationException.class)
        .hasMessage("call under policy 'retry' was interrupted");
    assertThat(failure.getSuppressed()).extracting(Throwable::getMessage).containsExactly("boom 1");
    assertThat(call.interruptedAtEnd()).isTrue();
    assertThat(calls).hasValue(1);
  }

  @Test
  void aSharedRetryKeepsEachCallsAttemptsApart() throws Throwable {
    // tenacity#93: per-call state in a shared policy. Many threads share one retry.
    Retry<Object> retry =
        Retry.builder().backoff(Backoff.fixed(Duration.ZERO)).maxAttempts(4).build();
    int threads = 16;
    int rounds = 200;
    CountDownLatch gate = new CountDownLatch(1);
    List<Async<Integer>> calls = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int failures = t % 4; // 0..3 failures, all within 4 attempts
      calls.add(
          Async.startPlatform(() -> {
            Async.await(gate);
            int total = 0;
            for (int r = 0; r < rounds; r++) {
              AtomicInteger n = new AtomicInteger();
              retry.call(failing(failures, n));
              if (n.get() != failures + 1) {
                throw new AssertionError("expected " + (failures + 1) + " attempts, ran " + n);
              }
              total += n.get();
            }
            return total;
          }));
    }
    gate.countDown();
    for (int t = 0; t < threads; t++) {
      assertThat(calls.get(t).get()).isEqualTo(rounds * (t % 4 + 1));
    }
  }

  @Test
  void uncheckedFailuresAreExhaustedAsCauseAndCheckedOnesNeverDoubleWrapped() {
    Retry<Object> retry = fixed(Duration.ZERO).maxAttempts(2).build();
    assertThatThrownBy(() ->
            retry.call(() -> {
              throw new UncheckedIOException(new IOException("x"));
            }))
        .isInstanceOf(RetriesExhaustedException.class)
        .hasCauseInstanceOf(UncheckedIOException.class);
  }

  @Test
  void settingsAreValidatedWithTheValue() {
    assertThatThrownBy(() -> Retry.builder().maxAttempts(0))
        .hasMessage("maxAttempts must be >= 1, was 0");
    assertThatThrownBy(() -> Retry.builder().maxDuration(Duration.ZERO))
        .hasMessage("maxDuration must be > 0, was PT0S");
    assertThatThrownBy(() -> Retry.builder().retryHint(Duration.ofSeconds(-1), (r, f) -> null))
        .hasMessage("cap must be >= 0, was PT-1S");
    assertThatThrownBy(() -> Retry.builder().name(" "))
        .hasMessage("name must not be blank, was ' '");
    assertThatThrownBy(() -> RetryBudget.of(0, 0.1))
        .hasMessage("maxTokens must be in [1, 1000], was 0");
    assertThatThrownBy(() -> RetryBudget.of(10, 0))
        .hasMessage("tokenRatio must be in (0, 1], was 0.0");
  }

  @Test
  void runRunsARunnable() {
    AtomicInteger calls = new AtomicInteger();
    Retry.of(3).run(calls::incrementAndGet);
    assertThat(calls).hasValue(1);
  }

  @Test
  void givesUpRatherThanSleepPastTheTasksDeadline() throws Throwable {
    Retry<Object> retry = fixed(Duration.ofSeconds(2)).maxAttempts(10).build();
    AtomicInteger calls = new AtomicInteger();
    Async<Object> call =
        Async.start(() -> {
          try (Scope scope = Scope.open(Deadline.after(Duration.ofSeconds(5), clock))) {
            Fork<Object> fork = scope.fork(() -> retry.call(failing(100, calls)));
            scope.join();
            return fork.get();
          }
        });
    for (int i = 0; i < 2; i++) {
      events.next(PolicyEvent.RetryScheduled.class);
      clock.awaitParked(2); // the retry and the scope's owner
      clock.advance(Duration.ofSeconds(2));
    }
    // attempts at 0 s, 2 s and 4 s; at 4 s the next delay (2 s) would pass the 5 s deadline
    Throwable failure = call.failure();
    assertThat(failure).isInstanceOf(RetriesExhaustedException.class);
    RetriesExhaustedException e = (RetriesExhaustedException) failure;
    assertThat(e.reason()).isEqualTo(RetriesExhaustedException.Reason.DEADLINE);
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(e.getMessage())
        .contains("next delay PT2S would pass the deadline Deadline[in PT1S]");
    assertThat(clock.read()).isEqualTo(Duration.ofSeconds(4).toNanos());
  }
}
