package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Limiter;
import dev.weft.test.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BulkheadTest {

  private final ManualClock clock = new ManualClock();
  private final Events events = new Events();

  @Test
  void refusesAtOnceWhenFullWithAMessageThatStandsAlone() throws Throwable {
    Bulkhead db = Bulkhead.builder().name("db").maxConcurrent(2).listener(events).build();
    CountDownLatch running = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    List<Async<Object>> calls = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      calls.add(
          Async.start(() ->
              db.call(() -> {
                running.countDown();
                Async.await(release);
                return "ok";
              })));
    }
    Async.await(running);
    assertThat(db.inUse()).isEqualTo(2);
    assertThatThrownBy(() -> db.call(() -> "third"))
        .isInstanceOf(BulkheadFullException.class)
        .hasMessage("bulkhead 'db' is full (2/2 calls running); waited PT0S");
    assertThat(events.all(PolicyEvent.CallRejected.class)).hasSize(1);
    release.countDown();
    for (Async<Object> c : calls) {
      assertThat(c.get()).isEqualTo("ok");
    }
    assertThat(db.inUse()).isZero();
  }

  @Test
  void waitsUpToItsMaximumOnTheClock() throws Throwable {
    Bulkhead db =
        Bulkhead.builder()
            .maxConcurrent(1)
            .maxWait(Duration.ofSeconds(5))
            .timeSource(clock)
            .build();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Async<Object> holder =
        Async.start(() ->
            db.call(() -> {
              running.countDown();
              Async.await(release);
              return "first";
            }));
    Async.await(running);
    Async<Object> late = Async.start(() -> db.call(() -> "late"));
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(late.failure()).isInstanceOf(BulkheadFullException.class);
    Async<Object> served = Async.start(() -> db.call(() -> "served"));
    clock.awaitParked(1);
    release.countDown();
    assertThat(holder.get()).isEqualTo("first");
    assertThat(served.get()).isEqualTo("served");
  }

  @Test
  void anInterruptWhileWaitingHoldsNoPermit() throws Throwable {
    Bulkhead db =
        Bulkhead.builder().maxConcurrent(1).maxWait(Duration.ofDays(1)).timeSource(clock).build();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Async<Object> holder =
        Async.start(() ->
            db.call(() -> {
              running.countDown();
              Async.await(release);
              return "first";
            }));
    Async.await(running);
    Async<Object> waiter = Async.start(() -> db.call(() -> "never"));
    clock.awaitParked(1);
    waiter.thread().interrupt();
    assertThat(waiter.failure()).isInstanceOf(CancellationException.class);
    assertThat(waiter.interruptedAtEnd()).isTrue();
    release.countDown();
    holder.get();
    assertThat(db.inUse()).isZero();
  }

  @Test
  void neverMoreThanTheLimitRunUnderContention() throws Throwable {
    Limiter shared = Limiter.of(3);
    Bulkhead b = Bulkhead.builder().limiter(shared).maxWait(Duration.ofMinutes(1)).build();
    AtomicInteger now = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    List<Async<Integer>> workers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      workers.add(
          Async.startPlatform(() -> {
            Async.await(gate);
            for (int i = 0; i < 300; i++) {
              b.run(() -> {
                max.accumulateAndGet(now.incrementAndGet(), Math::max);
                Thread.onSpinWait();
                now.decrementAndGet();
              });
            }
            return 0;
          }));
    }
    gate.countDown();
    for (Async<Integer> w : workers) {
      w.get();
    }
    assertThat(max.get()).isBetween(1, 3);
    assertThat(shared.activeCount()).isZero();
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> Bulkhead.of(0)).hasMessage("maxConcurrent must be >= 1, was 0");
    assertThatThrownBy(() -> Bulkhead.builder().maxWait(Duration.ofSeconds(-1)))
        .hasMessage("maxWait must be >= 0, was PT-1S");
  }
}
