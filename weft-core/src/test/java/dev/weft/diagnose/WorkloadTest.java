package dev.weft.diagnose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * Classifies real workloads. The sleeping task sleeps because sleeping is its workload. The
 * assertions are about classification, never about timings: the mixed task's sleep is calibrated to
 * the hashing's measured CPU time, and run-queue waits count as CPU, so a busy machine does not
 * change the verdict.
 */
class WorkloadTest {

  private static final byte[] DATA = new byte[1 << 20];

  private static byte[] hash(int megabytes) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < megabytes; i++) {
      sha.update(DATA);
    }
    return sha.digest();
  }

  @Test
  void aSleepingTaskIsIoBoundAndGetsVirtualThreads() throws Throwable {
    Leaks.assertNoLeaks(() -> {
      Workload.Profile p =
          Workload.measure(
              () -> {
                Thread.sleep(20);
                return null;
              },
              3);
      assertThat(p.kind()).as(p.summary()).isEqualTo(Workload.Kind.IO_BOUND);
      assertThat(p.samples()).hasSize(3);
      Workload.Recommendation r = p.recommend(new Workload.Limits(2, 500, OptionalDouble.of(1000)));
      assertThat(r.executor()).isEqualTo(Workload.Executor.VIRTUAL_THREADS);
      assertThat(r.concurrency()).isBetween(20, 500); // 1000/s x >= 20 ms
      assertThat(r.reason()).contains("Little's law").contains("I/O-bound");
    });
  }

  @Test
  void aHashingTaskIsCpuBoundAndGetsOnePlatformThreadPerCore() throws Exception {
    Workload.Profile p = Workload.measure(() -> hash(16), 5);
    assertThat(p.kind()).as(p.summary()).isEqualTo(Workload.Kind.CPU_BOUND);
    Workload.Recommendation r = p.recommend(new Workload.Limits(8, 100, OptionalDouble.empty()));
    assertThat(r.executor()).isEqualTo(Workload.Executor.PLATFORM_POOL);
    assertThat(r.concurrency()).isEqualTo(8);
    assertThat(p.allocatedBytes()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aTaskThatHashesThenSleepsIsMixed() throws Exception {
    Duration hashing = Workload.measure(() -> hash(16), 5).cpu();
    long sleepMillis = Math.max(5, hashing.toMillis()); // a CPU share of about 0.5
    Workload.Profile p =
        Workload.measure(
            () -> {
              hash(16);
              Thread.sleep(sleepMillis);
              return null;
            },
            5);
    assertThat(p.kind()).as(p.summary()).isEqualTo(Workload.Kind.MIXED);
    Workload.Recommendation r = p.recommend(new Workload.Limits(2, 1000, OptionalDouble.empty()));
    assertThat(r.executor()).isEqualTo(Workload.Executor.VIRTUAL_THREADS);
    assertThat(r.concurrency()).isBetween(3, 8); // 2 cores / share in (0.25, 0.75)
    assertThat(r.reason()).contains("mixed").contains("keep the cores busy");
  }

  @Test
  void classifiesSamplesMeasuredElsewhere() {
    Workload.Sample io =
        new Workload.Sample(Duration.ofMillis(100), Duration.ofMillis(5), Duration.ZERO, 0);
    Workload.Sample cpu =
        new Workload.Sample(
            Duration.ofMillis(100), Duration.ofMillis(60), Duration.ofMillis(30), 0);
    assertThat(Workload.of(List.of(io)).kind()).isEqualTo(Workload.Kind.IO_BOUND);
    assertThat(Workload.of(List.of(cpu)).kind()).isEqualTo(Workload.Kind.CPU_BOUND);
    Workload.Sample half =
        new Workload.Sample(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ZERO, 0);
    assertThat(Workload.of(List.of(half)).kind()).isEqualTo(Workload.Kind.MIXED);
    assertThat(Workload.of(List.of(io, half, cpu)).cpuShare()).isEqualTo(0.5); // the median
    Workload.Recommendation capped =
        Workload.of(List.of(io)).recommend(new Workload.Limits(4, 50, OptionalDouble.of(10_000)));
    assertThat(capped.concurrency()).isEqualTo(50);
    assertThat(capped.reason()).contains("capped at maxConcurrency 50");
  }

  @Test
  void theTasksFailureComesBackUnchanged() {
    IllegalStateException boom = new IllegalStateException("boom");
    assertThatThrownBy(() ->
            Workload.measure(
                () -> {
                  throw boom;
                },
                2))
        .isSameAs(boom);
  }

  @Test
  void validates() {
    assertThatThrownBy(() -> Workload.measure(() -> null, 0))
        .hasMessage("samples must be >= 1, was 0");
    assertThatThrownBy(() -> Workload.of(List.of())).hasMessage("samples must not be empty");
    assertThatThrownBy(() -> new Workload.Limits(0, 1, OptionalDouble.empty()))
        .hasMessage("cores must be >= 1, was 0");
    assertThatThrownBy(() -> Workload.Limits.of(0))
        .hasMessage("maxConcurrency must be >= 1, was 0");
    assertThatThrownBy(() -> Workload.Limits.of(1).targetPerSecond(0))
        .hasMessage("targetPerSecond must be > 0, was 0.0");
  }
}
