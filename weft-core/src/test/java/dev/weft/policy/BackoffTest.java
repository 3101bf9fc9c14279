package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.Tasks;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void theDefaultJitterIsSharedSafelyByManyThreads() {
    Backoff backoff = Backoff.fixed(Duration.ofMillis(1000)).fullJitter();
    RandomGenerator shared = Backoff.jitter();
    int threads = 8;
    int draws = 20_000;
    List<long[]> perThread =
        Tasks.all(
            java.util.stream.IntStream.range(0, threads).boxed().toList(),
            t -> {
              long[] seen = new long[draws];
              for (int i = 0; i < draws; i++) {
                seen[i] = backoff.delay(1, shared).toNanos();
              }
              return seen;
            });
    double sum = 0;
    Set<Long> distinct = new HashSet<>();
    for (long[] seen : perThread) {
      for (long nanos : seen) {
        assertThat(nanos).isBetween(0L, 1_000_000_000L);
        sum += nanos;
        distinct.add(nanos);
      }
    }
    // uniform on [0, 1 s]: the mean of 160,000 draws is within 1% of 0.5 s with overwhelming odds
    assertThat(sum / (threads * draws)).isCloseTo(5e8, org.assertj.core.data.Offset.offset(5e6));
    assertThat(distinct).hasSizeGreaterThan(threads * draws * 99 / 100);
    // each thread draws its own sequence
    assertThat(perThread.stream().map(seen -> seen[0] + ":" + seen[1]).distinct()).hasSize(threads);
  }

  private static final SplittableRandom RANDOM = new SplittableRandom(1);

  @Test
  void shapesWithoutJitter() {
    assertThat(Backoff.fixed(Duration.ofMillis(7)).delay(5, RANDOM))
        .isEqualTo(Duration.ofMillis(7));
    Backoff linear = Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5));
    assertThat(linear.delay(1, RANDOM)).isEqualTo(Duration.ofMillis(10));
    assertThat(linear.delay(3, RANDOM)).isEqualTo(Duration.ofMillis(20));
    Backoff exp = Backoff.exponential(Duration.ofMillis(100), 2.0).max(Duration.ofSeconds(1));
    assertThat(exp.delay(1, RANDOM)).isEqualTo(Duration.ofMillis(100));
    assertThat(exp.delay(4, RANDOM)).isEqualTo(Duration.ofMillis(800));
    assertThat(exp.delay(5, RANDOM)).isEqualTo(Duration.ofSeconds(1));
    assertThat(exp.delay(10_000, RANDOM)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void uncappedExponentialSaturatesInsteadOfOverflowing() {
    Duration d = Backoff.exponential(Duration.ofSeconds(1), 10).delay(1000, RANDOM);
    assertThat(d).isPositive();
  }

  @Test
  void badSettingsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> Backoff.exponential(Duration.ofMillis(1), 0.5))
        .hasMessage("factor must be >= 1 and finite, was 0.5");
    assertThatThrownBy(() -> Backoff.fixed(Duration.ofMillis(-1)))
        .hasMessage("delay must be >= 0, was PT-0.001S");
    assertThatThrownBy(() -> Backoff.fixed(Duration.ZERO).delay(0, RANDOM))
        .hasMessage("attempt must be >= 1, was 0");
    assertThatThrownBy(() -> Backoff.decorrelated(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("max must be >= base (PT2S), was PT1S");
    assertThatThrownBy(
            () -> Backoff.decorrelated(Duration.ofSeconds(1), Duration.ofSeconds(2)).fullJitter())
        .isInstanceOf(IllegalStateException.class);
  }

  @Property
  void fullJitterStaysWithinZeroAndTheCappedDelay(
      @ForAll @IntRange(min = 1, max = 200) int attempt, @ForAll long seed) {
    Backoff b =
        Backoff.exponential(Duration.ofMillis(50), 2.0).max(Duration.ofSeconds(5)).fullJitter();
    Duration plain =
        Backoff.exponential(Duration.ofMillis(50), 2.0)
            .max(Duration.ofSeconds(5))
            .delay(attempt, RANDOM);
    Duration d = b.delay(attempt, new SplittableRandom(seed));
    assertThat(d).isBetween(Duration.ZERO, plain);
  }

  @Property
  void equalJitterStaysWithinHalfAndTheCappedDelay(
      @ForAll @IntRange(min = 1, max = 200) int attempt, @ForAll long seed) {
    Backoff plain =
        Backoff.linear(Duration.ofMillis(30), Duration.ofMillis(30)).max(Duration.ofSeconds(2));
    Duration cap = plain.delay(attempt, RANDOM);
    Duration d = plain.equalJitter().delay(attempt, new SplittableRandom(seed));
    assertThat(d).isBetween(cap.dividedBy(2), cap);
  }

  @Property
  void decorrelatedStaysWithinBaseAndMax(
      @ForAll @IntRange(min = 1, max = 100) int attempt,
      @ForAll @LongRange(min = 0, max = 10_000) long baseMillis,
      @ForAll long seed) {
    Duration base = Duration.ofMillis(baseMillis);
    Duration max = base.plusSeconds(3);
    Duration d = Backoff.decorrelated(base, max).delay(attempt, new SplittableRandom(seed));
    assertThat(d).isBetween(base, max);
  }

  @Test
  void describesItself() {
    assertThat(
            Backoff.exponential(Duration.ofMillis(100), 2.0)
                .max(Duration.ofSeconds(10))
                .fullJitter())
        .hasToString("exponential(PT0.1S, x2.0).max(PT10S).fullJitter()");
  }

  @Property
  void exponentialNeverExceedsItsCapAndNeverShrinks(
      @ForAll @IntRange(min = 1, max = 500) int attempt,
      @ForAll @LongRange(min = 0, max = 1_000_000) long initialMicros,
      @ForAll @LongRange(min = 1, max = 60_000_000) long capMicros) {
    Backoff b =
        Backoff.exponential(Duration.ofNanos(initialMicros * 1000), 1.5)
            .max(Duration.ofNanos(capMicros * 1000));
    Duration d = b.delay(attempt, RANDOM);
    Duration next = b.delay(attempt + 1, RANDOM);
    assertThat(d).isBetween(Duration.ZERO, Duration.ofNanos(capMicros * 1000));
    assertThat(next).isGreaterThanOrEqualTo(d);
  }

  @Property
  void fixedAndLinearWithFullJitterStayWithinZeroAndTheDelay(
      @ForAll @IntRange(min = 1, max = 1000) int attempt, @ForAll long seed) {
    Duration fixed =
        Backoff.fixed(Duration.ofMillis(250))
            .fullJitter()
            .delay(attempt, new SplittableRandom(seed));
    assertThat(fixed).isBetween(Duration.ZERO, Duration.ofMillis(250));
    Backoff linear = Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(10));
    Duration cap = linear.delay(attempt, RANDOM);
    assertThat(cap).isEqualTo(Duration.ofMillis(10L * attempt));
    assertThat(linear.fullJitter().delay(attempt, new SplittableRandom(seed)))
        .isBetween(Duration.ZERO, cap);
  }
}
