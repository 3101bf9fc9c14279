package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.ManualClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerRegistryTest {

  private final ManualClock clock = new ManualClock();
  private final AtomicInteger made = new AtomicInteger();

  private CircuitBreakerRegistry.Builder registry() {
    return CircuitBreakerRegistry.builder(
            host -> {
              made.incrementAndGet();
              return CircuitBreaker.builder().name(host).timeSource(clock).build();
            })
        .timeSource(clock);
  }

  @Test
  void makesOneBreakerPerName() {
    CircuitBreakerRegistry r = registry().build();
    CircuitBreaker a = r.get("a.example");
    assertThat(r.get("a.example")).isSameAs(a);
    assertThat(a.name()).isEqualTo("a.example");
    assertThat(r.get("b.example")).isNotSameAs(a);
    assertThat(made).hasValue(2);
    assertThat(r.names()).containsExactlyInAnyOrder("a.example", "b.example");
    assertThat(r.find("c.example")).isEmpty();
  }

  @Test
  void dropsBreakersIdleForTooLongButNotForcedOpenOnes() {
    CircuitBreakerRegistry r = registry().evictIdleAfter(Duration.ofMinutes(10)).build();
    r.get("idle");
    r.get("forced").forceOpen();
    clock.advance(Duration.ofMinutes(5));
    r.get("busy");
    clock.advance(Duration.ofMinutes(5));
    r.get("busy");
    r.cleanUp();
    assertThat(r.names()).containsExactlyInAnyOrder("busy", "forced");
    r.get("idle");
    assertThat(made).hasValue(4); // a fresh one
  }

  @Test
  void keepsAtMostMaxSizeDroppingTheLeastRecentlyUsed() {
    CircuitBreakerRegistry r = registry().maxSize(2).build();
    r.get("a");
    clock.advance(Duration.ofSeconds(1));
    r.get("b");
    clock.advance(Duration.ofSeconds(1));
    r.get("a");
    clock.advance(Duration.ofSeconds(1));
    r.get("c");
    assertThat(r.names()).containsExactlyInAnyOrder("a", "c");
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> registry().maxSize(0)).hasMessage("maxSize must be >= 1, was 0");
    assertThatThrownBy(() -> registry().evictIdleAfter(Duration.ZERO))
        .hasMessage("evictIdleAfter must be > 0, was PT0S");
  }
}
