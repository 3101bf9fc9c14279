package dev.weft.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancellationTokenTest {

  @Test
  void aSourceCancelsItsTokenOnceWithAReason() {
    CancellationSource source = new CancellationSource();
    CancellationToken token = source.token();
    assertThat(token.isCancelled()).isFalse();
    assertThat(token.reason()).isEmpty();
    token.throwIfCancelled();

    assertThat(source.cancel("user pressed stop")).isTrue();
    assertThat(source.cancel("again")).isFalse();

    assertThat(token.isCancelled()).isTrue();
    assertThat(source.isCancelled()).isTrue();
    assertThat(token.reason())
        .get()
        .extracting(Throwable::getMessage)
        .isEqualTo("user pressed stop");
    assertThatThrownBy(token::throwIfCancelled)
        .isInstanceOf(CancelledException.class)
        .hasMessageContaining("user pressed stop");
  }

  @Test
  void callbacksRunOnceInRegistrationOrder() {
    CancellationSource source = new CancellationSource();
    List<String> ran = new ArrayList<>();
    source.token().onCancel(() -> ran.add("a"));
    source.token().onCancel(() -> ran.add("b"));
    source.cancel();
    source.cancel();
    assertThat(ran).containsExactly("a", "b");
  }

  @Test
  void aCallbackRegisteredAfterCancellationRunsAtOnce() {
    CancellationSource source = new CancellationSource();
    source.cancel("done");
    AtomicInteger runs = new AtomicInteger();
    try (var registration = source.token().onCancel(runs::incrementAndGet)) {
      assertThat(runs).hasValue(1);
    }
    assertThat(runs).hasValue(1);
  }

  @Test
  void aClosedRegistrationDoesNotRun() {
    CancellationSource source = new CancellationSource();
    AtomicInteger runs = new AtomicInteger();
    var first = source.token().onCancel(runs::incrementAndGet);
    var second = source.token().onCancel(() -> runs.addAndGet(10));
    var third = source.token().onCancel(() -> runs.addAndGet(100));
    second.close();
    second.close();
    first.close();
    source.cancel();
    third.close();
    assertThat(runs).hasValue(100);
  }

  @Test
  void aThrowingCallbackDoesNotStopTheOthersAndIsKept() {
    CancellationToken token = new CancellationToken(null, false);
    AtomicInteger runs = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("boom");
    token.onCancel(() -> {
      throw boom;
    });
    token.onCancel(runs::incrementAndGet);
    assertThat(token.cancel(new CancelledException("stop"))).isTrue();
    assertThat(runs).hasValue(1);
    assertThat(token.drainFailures()).containsExactly(boom);
    assertThat(token.drainFailures()).isEmpty();
  }

  @Test
  void aThrowingCallbackOnASourceIsLoggedNotThrownToTheCanceller() {
    CancellationSource source = new CancellationSource();
    AtomicInteger runs = new AtomicInteger();
    source
        .token()
        .onCancel(() -> {
          throw new IllegalStateException("callback failure (expected in this test's log)");
        });
    source.token().onCancel(runs::incrementAndGet);
    assertThat(source.cancel()).isTrue();
    assertThat(runs).hasValue(1);
  }

  @Test
  void noneIsNeverCancelled() {
    CancellationToken none = CancellationToken.none();
    AtomicInteger runs = new AtomicInteger();
    none.onCancel(runs::incrementAndGet).close();
    assertThat(none.cancel(new CancelledException("x"))).isFalse();
    assertThat(none.isCancelled()).isFalse();
    assertThat(runs).hasValue(0);
  }

  @Test
  void concurrentRegistrationAndCancellationRunEachCallbackExactlyOnce() throws Exception {
    for (int round = 0; round < 200; round++) {
      CancellationSource source = new CancellationSource();
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch gate = new CountDownLatch(1);
      int registrants = 4;
      int each = 50;
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < registrants; t++) {
        threads.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    gate.await();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                  for (int i = 0; i < each; i++) {
                    source.token().onCancel(runs::incrementAndGet);
                  }
                }));
      }
      Thread canceller =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  gate.await();
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
                source.cancel();
              });
      gate.countDown();
      for (Thread t : threads) {
        t.join();
      }
      canceller.join();
      assertThat(runs).hasValue(registrants * each);
    }
  }
}
