package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.policy.Backoff;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FlagValuesTest {

  @Test
  void durations() {
    assertThat(Durations.parse("--timeout", "30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("--timeout", "1.5")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("--timeout", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("--timeout", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> Durations.parse("--timeout", "soon"))
        .hasMessage(
            "--timeout must be a duration like 30s, 500ms, 1.5m, 2h or a number of seconds, was"
                + " 'soon'");
  }

  @Test
  void rates() {
    assertThat(Rate.parse("--rate", "20/s").interval()).isEqualTo(Duration.ofMillis(50));
    assertThat(Rate.parse("--rate", "120/m").interval()).isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> Rate.parse("--rate", "fast"))
        .hasMessage("--rate must be a positive rate like 20/s, 100/m or 5000/h, was 'fast'");
    assertThatThrownBy(() -> Rate.parse("--rate", "0/s")).isInstanceOf(BadInput.class);
  }

  @Test
  void parallelism() {
    assertThat(Parallelism.parse("4", 2)).isEqualTo(4);
    assertThat(Parallelism.parse("50%", 8)).isEqualTo(4);
    assertThat(Parallelism.parse("50%", 1)).isEqualTo(1);
    assertThat(Parallelism.parse("+2", 2)).isEqualTo(4);
    assertThat(Parallelism.parse("0", 2)).isEqualTo(Parallelism.UNLIMITED);
    assertThatThrownBy(() -> Parallelism.parse("many", 2))
        .hasMessage("-j must be N, N%, +N, -N or 0 (as many as possible), was 'many'");
  }

  @Test
  void backoffs() {
    Backoff b = BackoffSpec.parse("exp:1s..1m");
    SplittableRandom r = new SplittableRandom(1);
    for (int attempt = 1; attempt < 20; attempt++) {
      assertThat(b.delay(attempt, r)).isBetween(Duration.ZERO, Duration.ofMinutes(1));
    }
    assertThat(BackoffSpec.parse("none").delay(3, r)).isZero();
    assertThatThrownBy(() -> BackoffSpec.parse("exp:1m..1s"))
        .hasMessageStartingWith("--backoff must be exp:FROM..TO")
        .hasMessageEndingWith("was 'exp:1m..1s'");
  }

  @Test
  void haltForms() {
    assertThat(Halt.parse("now,fail=1"))
        .isEqualTo(new Halt(Halt.When.NOW, Halt.What.FAIL, 1, false));
    assertThat(Halt.parse("soon,fail=10%"))
        .isEqualTo(new Halt(Halt.When.SOON, Halt.What.FAIL, 10, true));
    assertThat(Halt.parse("2")).isEqualTo(new Halt(Halt.When.NOW, Halt.What.FAIL, 1, false));
    assertThat(Halt.parse("never").when()).isEqualTo(Halt.When.NEVER);
    assertThatThrownBy(() -> Halt.parse("later,fail=1"))
        .hasMessageStartingWith("--halt must be WHEN,WHAT=N")
        .hasMessageEndingWith("was 'later,fail=1'");
  }

  @Test
  void exitStatusAsGnuParallel() {
    HaltTracker none = new HaltTracker(Halt.never(), OptionalLong.empty());
    for (int i = 0; i < 150; i++) {
      none.started();
      none.finished(i % 2 == 0, i % 2 == 0 ? 0 : 1);
    }
    assertThat(none.exitStatus()).isEqualTo(75);
    none.finished(false, 1);
    none.finished(false, 1);
    assertThat(new HaltTracker(Halt.never(), OptionalLong.empty()).exitStatus()).isZero();

    HaltTracker first = new HaltTracker(Halt.parse("now,fail=1"), OptionalLong.of(10));
    assertThat(first.finished(true, 0)).isEqualTo(Halt.When.NEVER);
    assertThat(first.finished(false, 7)).isEqualTo(Halt.When.NOW);
    assertThat(first.exitStatus()).isEqualTo(7);

    HaltTracker pct = new HaltTracker(Halt.parse("soon,fail=20%"), OptionalLong.of(10));
    assertThat(pct.finished(false, 1)).isEqualTo(Halt.When.NEVER);
    assertThat(pct.finished(false, 1)).isEqualTo(Halt.When.SOON);
    assertThat(pct.exitStatus()).isEqualTo(20);
  }
}
