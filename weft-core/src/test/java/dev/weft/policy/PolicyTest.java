package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.TaskFailedException;
import dev.weft.test.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private final ManualClock clock = new ManualClock();
  private final Events events = new Events();

  @Test
  void composesOutermostFirst() {
    Retry<Object> retry =
        Retry.builder()
            .maxAttempts(3)
            .backoff(Backoff.fixed(Duration.ZERO))
            .listener(events)
            .build();
    CircuitBreaker breaker =
        CircuitBreaker.builder()
            .timeSource(clock)
            .window(2)
            .minimumCalls(2)
            .listener(events)
            .build();
    Policy<String> policy = Policy.of(Fallback.to("fallback").withListener(events), retry, breaker);
    AtomicInteger calls = new AtomicInteger();
    String result =
        policy.call(() -> {
          calls.incrementAndGet();
          throw new IOException("down");
        });
    // retry outside the breaker: attempt 1 and 2 fail and open it, attempt 3 is rejected, which
    // the retry does not retry; the fallback, outermost, replaces the rejection
    assertThat(result).isEqualTo("fallback");
    assertThat(calls).hasValue(2);
    assertThat(events.all())
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly(
            "RetryScheduled",
            "BreakerStateChanged",
            "RetryScheduled",
            "CallRejected",
            "FallbackUsed");
    assertThat(events.all(PolicyEvent.FallbackUsed.class).getFirst().failure())
        .isInstanceOf(CircuitOpenException.class);
  }

  @Test
  void theOtherOrderGivesTheBreakerOneCallPerRetriedCall() {
    Retry<Object> retry =
        Retry.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ZERO)).build();
    CircuitBreaker breaker =
        CircuitBreaker.builder().timeSource(clock).window(2).minimumCalls(2).build();
    Policy<Object> breakerOutside = Policy.of(breaker, retry);
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() ->
            breakerOutside.call(() -> {
              calls.incrementAndGet();
              throw new IOException("down");
            }))
        .isInstanceOf(RetriesExhaustedException.class);
    assertThat(calls).hasValue(3);
    assertThat(breaker.metrics().calls()).isEqualTo(1);
  }

  @Test
  void orderedPutsPoliciesInTheCanonicalOrder() {
    Timeout timeout = Timeout.of(Duration.ofSeconds(1));
    Retry<Object> retry = Retry.of(2);
    CircuitBreaker breaker = CircuitBreaker.builder().build();
    Bulkhead bulkhead = Bulkhead.of(2);
    Fallback<String> fallback = Fallback.to("x");
    Policy<String> p = Policy.ordered(timeout, bulkhead, retry, fallback, breaker);
    assertThat(((Composed<String>) p).parts())
        .containsExactly(fallback, retry, breaker, bulkhead, timeout);
    assertThat(p.name()).isEqualTo("policy[fallback, retry, breaker, bulkhead, timeout]");
  }

  @Test
  void aComposedPolicyIsReusableAndRunsRunnables() {
    Policy<Object> p = Policy.of(Retry.of(2), Bulkhead.of(1));
    AtomicInteger runs = new AtomicInteger();
    for (int i = 0; i < 10; i++) {
      p.run(runs::incrementAndGet);
    }
    assertThat(runs).hasValue(10);
  }

  @Test
  void checkedFailuresComeOutWrappedOnceAndUncheckedUnchanged() {
    Policy<Object> p = Policy.of(Bulkhead.of(1), Bulkhead.of(1));
    assertThatThrownBy(() ->
            p.call(() -> {
              throw new IOException("io");
            }))
        .isInstanceOf(TaskFailedException.class)
        .hasCauseInstanceOf(IOException.class)
        .hasMessage(
            "call under policy 'policy[bulkhead, bulkhead]' failed: java.io.IOException: io");
    IllegalStateException bug = new IllegalStateException();
    assertThatThrownBy(() ->
            p.call(() -> {
              throw bug;
            }))
        .isSameAs(bug);
  }

  @Test
  void emptyCompositionIsRejected() {
    assertThatThrownBy(Policy::of).hasMessage("policies must not be empty, was []");
  }

  @Test
  void nullsAreReturned() {
    Object none = Policy.of(Retry.of(1)).call(() -> null);
    assertThat(none).isNull();
    assertThat(List.of(1)).hasSize(1);
  }
}
