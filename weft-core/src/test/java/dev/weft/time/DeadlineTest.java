package dev.weft.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.test.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeadlineTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void expiresWhenTheClockReachesIt() {
    Deadline d = Deadline.after(Duration.ofSeconds(2), clock);
    assertThat(d.isExpired()).isFalse();
    assertThat(d.remaining()).isEqualTo(Duration.ofSeconds(2));
    clock.advance(Duration.ofMillis(1999));
    assertThat(d.isExpired()).isFalse();
    assertThat(d.remaining()).isEqualTo(Duration.ofMillis(1));
    clock.advance(Duration.ofMillis(1));
    assertThat(d.isExpired()).isTrue();
    assertThat(d.remaining()).isEqualTo(Duration.ZERO);
  }

  @Test
  void nestingTakesTheEarlier() {
    Deadline outer = Deadline.after(Duration.ofSeconds(1), clock);
    Deadline inner = outer.within(Duration.ofSeconds(5));
    assertThat(inner).isSameAs(outer);
    assertThat(outer.within(Duration.ofMillis(10)).remaining()).isEqualTo(Duration.ofMillis(10));
    assertThat(Deadline.never().earlier(outer)).isSameAs(outer);
    assertThat(outer.earlier(Deadline.never())).isSameAs(outer);
  }

  @Test
  void neverNeverExpires() {
    clock.advance(Duration.ofDays(365_000));
    assertThat(Deadline.never().isExpired()).isFalse();
    assertThat(Deadline.never().isNever()).isTrue();
    assertThat(Deadline.never().compareTo(Deadline.after(Duration.ofDays(1), clock))).isPositive();
  }

  @Test
  void hugeTimeoutsSaturateInsteadOfOverflowing() {
    clock.advance(Duration.ofSeconds(10));
    Deadline far = Deadline.after(Duration.ofSeconds(Long.MAX_VALUE), clock);
    assertThat(far.isExpired()).isFalse();
    assertThat(far.ticks()).isEqualTo(Long.MAX_VALUE);
  }
}
