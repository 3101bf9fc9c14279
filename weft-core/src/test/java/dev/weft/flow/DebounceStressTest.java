package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Real threads call a keyed debouncer while the clock moves under them. Invariants: per key, the
 * delivered arguments only increase (the trailing run takes the latest), the last one delivered is
 * the last one called, and once quiet the engine holds no state.
 */
class DebounceStressTest {

  @Test
  void keyedDebounceDeliversTheLatestArgumentPerKeyUnderConcurrency() throws Throwable {
    for (int round = 0; round < 10; round++) {
      ManualClock clock = new ManualClock();
      Map<Integer, List<Integer>> delivered = new ConcurrentHashMap<>();
      boolean leading = round % 2 == 1;
      KeyedDebouncer<Integer, Integer> d =
          KeyedDebouncer.<Integer, Integer>builder(
                  Duration.ofMillis(5),
                  (k, v) -> delivered.computeIfAbsent(k, x -> new CopyOnWriteArrayList<>()).add(v))
              .leading(leading)
              .maxWait(Duration.ofMillis(20))
              .timeSource(clock)
              .build();
      int threads = 4;
      int keysPerThread = 20;
      int[][] last = new int[threads][keysPerThread];
      CountDownLatch go = new CountDownLatch(1);
      AtomicBoolean done = new AtomicBoolean();
      List<Run> runs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        runs.add(
            Run.platform(
                "caller-" + t,
                () -> {
                  go.await();
                  for (int i = 1; i <= 2000; i++) {
                    int k = i % keysPerThread;
                    d.call(me * keysPerThread + k, i);
                    last[me][k] = i;
                  }
                }));
      }
      Run ticker =
          Run.platform(
              "ticker",
              () -> {
                go.await();
                while (!done.get()) {
                  clock.advance(Duration.ofMillis(1));
                  Thread.onSpinWait();
                }
              });
      go.countDown();
      for (Run r : runs) {
        r.join();
      }
      done.set(true);
      ticker.join();
      clock.advance(Duration.ofSeconds(1));
      assertThat(d.edges().awaitSettled(Duration.ofSeconds(30))).isTrue();
      clock.advance(Duration.ofSeconds(1)); // cleanup timers drop the remaining states
      assertThat(d.edges().awaitSettled(Duration.ofSeconds(30))).isTrue();
      assertThat(d.size()).as("round %d: states left", round).isZero();
      for (int t = 0; t < threads; t++) {
        for (int k = 0; k < keysPerThread; k++) {
          List<Integer> got = delivered.get(t * keysPerThread + k);
          assertThat(got).as("key %d", t * keysPerThread + k).isNotEmpty();
          assertThat(got).isSorted().doesNotHaveDuplicates();
          assertThat(got.getLast()).isEqualTo(last[t][k]);
        }
      }
      d.close();
    }
  }
}
