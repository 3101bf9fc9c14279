package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** lodash's debounce and throttle semantics, on the manual clock. */
class DebounceThrottleTest {

  private final ManualClock clock = new ManualClock();
  private final List<String> runs = new CopyOnWriteArrayList<>();

  private void record(String arg) {
    runs.add(arg + "@" + Duration.ofNanos(clock.read()).toMillis());
  }

  /**
   * Lets the runs already decided happen, moves the clock to {@code ms}, and waits until the timer
   * thread has done what that implies.
   */
  private void at(long ms, Edges<?, ?> edges) throws InterruptedException {
    assertThat(edges.awaitSettled(Duration.ofSeconds(30))).as("timer thread settled").isTrue();
    clock.advance(Duration.ofMillis(ms).minusNanos(clock.read()));
    assertThat(edges.awaitSettled(Duration.ofSeconds(30))).as("timer thread settled").isTrue();
  }

  private static Duration ms(long ms) {
    return Duration.ofMillis(ms);
  }

  @Test
  void trailingDebounceRunsOnceWithTheLatestArgumentAfterTheQuietTime() throws Throwable {
    Debouncer<String> d =
        Debouncer.<String>builder(ms(100), this::record).timeSource(clock).build();
    Edges<?, ?> e = d.edges();
    Leaks.assertNoLeaks(() -> {
      d.call("a");
      at(10, e);
      d.call("b");
      at(20, e);
      d.call("c");
      assertThat(d.isPending()).isTrue();
      at(100, e); // the first timer fires, finds a call 80 ms old, waits 20 more
      assertThat(runs).isEmpty();
      at(119, e);
      assertThat(runs).isEmpty();
      at(120, e);
      assertThat(runs).containsExactly("c@120");
      assertThat(d.isPending()).isFalse();
      at(1000, e);
      d.close();
    });
    assertThat(runs).containsExactly("c@120");
  }

  @Test
  void leadingDebounceRunsAtOnceAndTrailingOnlyIfCalledAgain() throws Throwable {
    Debouncer<String> d =
        Debouncer.<String>builder(ms(100), this::record).leading(true).timeSource(clock).build();
    Edges<?, ?> e = d.edges();
    d.call("a"); // leading: at once
    at(0, e);
    assertThat(runs).containsExactly("a@0");
    at(100, e);
    assertThat(runs).containsExactly("a@0"); // no call since: no trailing run
    at(200, e);
    d.call("b");
    at(250, e);
    d.call("c");
    at(350, e);
    assertThat(runs).containsExactly("a@0", "b@200", "c@350");
    d.close();
  }

  @Test
  void leadingOnlyIgnoresCallsUntilQuiet() throws Throwable {
    Debouncer<String> d =
        Debouncer.<String>builder(ms(100), this::record)
            .leading(true)
            .trailing(false)
            .timeSource(clock)
            .build();
    Edges<?, ?> e = d.edges();
    d.call("a");
    at(50, e);
    d.call("b");
    at(149, e);
    d.call("c"); // still within 100 ms of the last call: ignored, and extends the quiet time
    at(249, e);
    d.call("d");
    at(249, e);
    assertThat(runs).containsExactly("a@0", "d@249");
    d.close();
  }

  @Test
  void maxWaitForcesARunWhileCallsKeepComing() throws Throwable {
    Debouncer<String> d =
        Debouncer.<String>builder(ms(100), this::record).maxWait(ms(250)).timeSource(clock).build();
    Edges<?, ?> e = d.edges();
    for (int t = 0; t <= 1000; t += 10) {
      at(t, e);
      if (t <= 600 && t % 40 == 0) {
        d.call("x" + t);
      }
    }
    at(1000, e);
    d.close();
    // runs at most maxWait apart while calls come every 40 ms, then one trailing run
    assertThat(runs).containsExactly("x240@250", "x480@500", "x600@700");
  }

  @Test
  void throttleRunsOnBothEdgesAtMostOncePerWait() throws Throwable {
    Throttler<String> t =
        Throttler.<String>builder(ms(100), this::record).timeSource(clock).build();
    Edges<?, ?> e = t.edges();
    for (int ms = 0; ms <= 350; ms += 10) {
      at(ms, e);
      t.call("x" + ms);
    }
    at(400, e);
    at(1000, e);
    t.close();
    assertThat(runs).containsExactly("x0@0", "x90@100", "x190@200", "x290@300", "x350@400");
  }

  @Test
  void throttleWithoutTrailingDropsCallsInsideTheWait() throws Throwable {
    Throttler<String> t =
        Throttler.<String>builder(ms(100), this::record).trailing(false).timeSource(clock).build();
    Edges<?, ?> e = t.edges();
    t.call("a");
    at(50, e);
    t.call("b");
    at(100, e);
    t.call("c");
    at(1000, e);
    t.close();
    assertThat(runs).containsExactly("a@0", "c@100");
  }

  @Test
  void flushRunsThePendingCallNowAndCancelForgetsIt() throws Throwable {
    Debouncer<String> d =
        Debouncer.<String>builder(ms(100), this::record).timeSource(clock).build();
    Edges<?, ?> e = d.edges();
    d.call("a");
    at(10, e);
    assertThat(d.flush()).isTrue();
    assertThat(runs).containsExactly("a@10");
    assertThat(d.flush()).isFalse();
    d.call("b");
    d.cancel();
    assertThat(d.isPending()).isFalse();
    at(500, e);
    assertThat(runs).containsExactly("a@10");
    d.close();
  }

  @Test
  void nothingRunsAfterCloseAndCallsAreRejected() throws Throwable {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Debouncer<String> d =
        Debouncer.<String>builder(
                ms(100),
                s -> {
                  entered.countDown();
                  try {
                    release.await();
                  } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                  }
                  record(s);
                })
            .timeSource(clock)
            .build();
    d.call("a");
    clock.advance(ms(100)); // the trailing run starts on its run thread and blocks
    entered.await();
    d.call("b"); // pending again
    Run closer = Run.start("closer", d::close);
    // close waits for the run in progress; let it finish
    release.countDown();
    closer.join();
    clock.advance(ms(1000));
    assertThat(runs).containsExactly("a@100");
    assertThatThrownBy(() -> d.call("c"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("'debouncer' is closed; the call was not accepted");
    d.close(); // idempotent
  }

  @Test
  void aSlowActionOfOneKeyDelaysNeitherOtherKeysNorTheTimers() throws Throwable {
    CountDownLatch slowEntered = new CountDownLatch(1);
    CountDownLatch releaseSlow = new CountDownLatch(1);
    CountDownLatch fastRanOnce = new CountDownLatch(1);
    CountDownLatch fastRanTwice = new CountDownLatch(2);
    KeyedDebouncer<String, String> kd =
        KeyedDebouncer.<String, String>builder(
                ms(100),
                (k, v) -> {
                  if (k.equals("slow")) {
                    slowEntered.countDown();
                    try {
                      releaseSlow.await();
                    } catch (InterruptedException ex) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  record(k + "=" + v);
                  if (k.equals("fast")) {
                    fastRanOnce.countDown();
                    fastRanTwice.countDown();
                  }
                })
            .timeSource(clock)
            .build();
    Leaks.assertNoLeaks(() -> {
      kd.call("slow", "1");
      kd.call("fast", "1");
      clock.advance(ms(100)); // both trailing runs are decided; "slow" blocks in its action
      slowEntered.await();
      fastRanOnce.await(); // "fast" ran although "slow" is blocked
      kd.call("slow", "2"); // queued behind the blocked run of its key
      kd.call("fast", "2");
      clock.advance(ms(100)); // the timer still fires on time for "fast"
      fastRanTwice.await(); // both runs of "fast" happened while "slow" is blocked
      assertThat(runs).containsExactly("fast=1@100", "fast=2@200");
      Run closer = Run.start("closer", kd::close);
      releaseSlow.countDown(); // close waits for the run in progress, then nothing more runs
      closer.join();
      clock.advance(ms(1000));
      assertThat(runs).containsExactly("fast=1@100", "fast=2@200", "slow=1@200");
    });
  }

  @Test
  void aFailingTrailingRunIsLoggedAndTheDebouncerGoesOn() throws Throwable {
    Debouncer<String> d =
        Debouncer.<String>builder(
                ms(100),
                s -> {
                  record(s);
                  if (s.equals("bad")) {
                    throw new IllegalStateException("action failed");
                  }
                })
            .timeSource(clock)
            .build();
    Edges<?, ?> e = d.edges();
    d.call("bad");
    at(100, e);
    d.call("good");
    at(200, e);
    d.close();
    assertThat(runs).containsExactly("bad@100", "good@200");
  }

  @Test
  void keyedDebouncersAreIndependentAndForgetQuietKeys() throws Throwable {
    KeyedDebouncer<String, String> kd =
        KeyedDebouncer.<String, String>builder(ms(100), (k, v) -> record(k + "=" + v))
            .timeSource(clock)
            .build();
    Edges<?, ?> e = kd.edges();
    kd.call("a", "1");
    at(50, e);
    kd.call("b", "1");
    kd.call("a", "2");
    assertThat(kd.size()).isEqualTo(2);
    at(150, e);
    assertThat(runs).containsExactlyInAnyOrder("a=2@150", "b=1@150"); // each key on its thread
    assertThat(kd.size()).isZero();
    kd.close();
  }

  @Test
  void keyedThrottlerKeepsOneStatePerKey() throws Throwable {
    KeyedThrottler<Integer, String> kt =
        KeyedThrottler.<Integer, String>builder(ms(100), (k, v) -> record(k + "=" + v))
            .timeSource(clock)
            .build();
    Edges<?, ?> e = kt.edges();
    for (int i = 0; i < 1000; i++) {
      kt.call(i % 10, "v" + i);
    }
    at(0, e);
    assertThat(runs).hasSize(10); // a leading run per key
    at(100, e);
    assertThat(runs).hasSize(20); // and a trailing run per key, with its latest argument
    assertThat(runs).contains("9=v999@100");
    at(300, e);
    assertThat(kt.size()).isZero();
    kt.close();
  }

  @Test
  void settingsAreValidatedWithMessages() {
    assertThatThrownBy(() -> Debouncer.builder(ms(-1), s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wait must be >= 0, was PT-0.001S");
    assertThatThrownBy(() -> Debouncer.builder(ms(100), s -> {}).maxWait(ms(50)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait must be >= wait PT0.1S, was PT0.05S");
    assertThatThrownBy(() -> Debouncer.builder(ms(100), s -> {}).trailing(false).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leading and trailing must not both be false: the action would never run");
  }
}
