package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The statistics {@code weft profile} reports, on fixed times. */
class RunTimesTest {

  @Test
  void outliersAreJudgedByTheModifiedZScore() {
    List<Duration> even = List.of(ms(10), ms(11), ms(12), ms(11), ms(10));
    assertThat(new RunTimes(even).outliers()).isEmpty();
    List<Duration> one = List.of(ms(10), ms(11), ms(12), ms(11), ms(10), ms(90));
    assertThat(new RunTimes(one).outliers()).containsExactly(5);
    RunTimes t = new RunTimes(List.of(ms(10), ms(20), ms(30)));
    assertThat(t.mean()).isCloseTo(0.020, within(1e-9));
    assertThat(t.median()).isCloseTo(0.020, within(1e-9));
    assertThat(t.stddev()).isCloseTo(0.010, within(1e-9));
    assertThat(t.min()).isCloseTo(0.010, within(1e-9));
    assertThat(t.max()).isCloseTo(0.030, within(1e-9));
    assertThat(new RunTimes(List.of(ms(5), ms(5), ms(5), ms(50))).outliers())
        .as("MAD 0: nothing judged")
        .isEmpty();
  }

  @Test
  void noRunsIsRejected() {
    assertThatThrownBy(() -> new RunTimes(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("times must hold at least one run");
  }

  private static Duration ms(long n) {
    return Duration.ofMillis(n);
  }
}
