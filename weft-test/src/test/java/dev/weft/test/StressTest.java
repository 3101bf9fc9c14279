package dev.weft.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class StressTest {

  /** The classic check-then-act race: two threads read the same count and both write count + 1. */
  static final class RacyCounter {
    private final Map<String, Integer> counts = new HashMap<>();

    void increment(String key) {
      Integer count = counts.get(key);
      if (count == null) {
        counts.put(key, 1);
      } else {
        counts.put(key, count + 1);
      }
    }

    int get(String key) {
      return counts.getOrDefault(key, 0);
    }
  }

  static final class SafeCounter {
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    void increment(String key) {
      counts.merge(key, 1, Integer::sum);
    }

    int get(String key) {
      return counts.getOrDefault(key, 0);
    }
  }

  @Test
  void findsTheLostUpdateOfACheckThenActCounterOnAHashMap() throws Throwable {
    Leaks.assertNoLeaks(() -> {
      Stress.Result result =
          Stress.of(RacyCounter::new)
              .actors(4, counter -> counter.increment("k"))
              .repetitions(1, 20_000)
              .rounds(5_000)
              .stopAfter(25)
              .invariant((counter, round) -> {
                if (counter.get("k") != round.operations()) {
                  throw new AssertionError(
                      round.operations() + " increments but the count is " + counter.get("k"));
                }
              })
              .build()
              .run();
      assertThat(result.failed()).as(result.summary()).isTrue();
      Stress.Failure smallest = result.smallest().orElseThrow();
      assertThat(smallest.round().operations())
          .isLessThanOrEqualTo(result.first().orElseThrow().round().operations());
      assertThat(smallest.error()).hasMessageContaining("increments but the count is");
      assertThatThrownBy(result::assertPassed)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("Smallest failing round #")
          .hasMessageContaining("seed " + result.seed())
          .hasCause(smallest.error());
    });
  }

  @Test
  void passesACorrectCounter() throws Exception {
    Stress.Result result =
        Stress.of(SafeCounter::new)
            .actors(4, counter -> counter.increment("k"))
            .repetitions(1, 500)
            .rounds(300)
            .seed(7)
            .invariant((counter, round) -> {
              if (counter.get("k") != round.operations()) {
                throw new AssertionError("lost an increment");
              }
            })
            .build()
            .run();
    assertThat(result.failed()).isFalse();
    assertThat(result.rounds()).isEqualTo(300);
    assertThat(result.summary()).isEqualTo("stress passed 300 rounds (seed 7)");
    result.assertPassed();
  }

  @Test
  void anActionThatThrowsFailsItsRoundAndVirtualActorsWork() throws Exception {
    Stress.Result result =
        Stress.of(() -> new int[1])
            .actor(state -> state[0]++)
            .actor(state -> {
              throw new IllegalStateException("bad action");
            })
            .virtual(true)
            .rounds(10)
            .stopAfter(3)
            .build()
            .run();
    assertThat(result.failures()).isEqualTo(3);
    assertThat(result.rounds()).isEqualTo(3);
    assertThat(result.first().orElseThrow().round().number()).isZero();
    assertThat(result.first().orElseThrow().error()).hasMessage("bad action");
  }

  @Test
  void theSameSeedPlansTheSameRounds() throws Exception {
    Stress<int[]> plan =
        Stress.of(() -> new int[1])
            .actors(2, state -> {})
            .repetitions(1, 1000)
            .rounds(5)
            .seed(42)
            .invariant((state, round) -> {
              throw new AssertionError(round.repetitions() + " " + round.skews());
            })
            .build();
    assertThat(plan.run().first().orElseThrow().error().getMessage())
        .isEqualTo(plan.run().first().orElseThrow().error().getMessage());
  }

  @Test
  void validatesSettings() {
    Stress.Builder<int[]> b = Stress.of(() -> new int[1]);
    assertThatThrownBy(() -> b.rounds(0)).hasMessage("rounds must be >= 1, was 0");
    assertThatThrownBy(() -> b.repetitions(0, 1)).hasMessage("min must be >= 1, was 0");
    assertThatThrownBy(() -> b.repetitions(3, 2)).hasMessage("max must be >= min (3), was 2");
    assertThatThrownBy(() -> b.maxSkew(-1)).hasMessage("spins must be >= 0, was -1");
    assertThatThrownBy(() -> b.actors(0, s -> {})).hasMessage("count must be >= 1, was 0");
    assertThatThrownBy(() -> b.stopAfter(0)).hasMessage("failures must be >= 1, was 0");
    assertThatThrownBy(b::build).hasMessage("a stress run needs at least one actor");
  }
}
