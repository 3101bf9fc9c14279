package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The adaptive limit against a simulated server on the manual clock: one thread, no sleeps, no
 * randomness but a seeded one, so every run computes the same limits. The server runs {@code
 * capacity} calls at once at full speed and shares itself among more, so a call that starts with
 * {@code n} calls in flight takes {@code base * max(1, n / capacity)}, times up to 10% of noise:
 * any limit above the capacity adds latency and no throughput.
 */
class AdaptiveLimiterTest {

  private static final int CAPACITY = 50;
  private static final long BASE = Duration.ofMillis(10).toNanos();
  private static final long STEP = Duration.ofMillis(1).toNanos();

  /**
   * Where the gradient algorithm must settle: at the capacity plus its queue allowance ({@code
   * ln(limit)}, about 4) and the calls that start in the same millisecond as others complete (about
   * 5 complete per millisecond). It settles at 59 to 62 here; the former mean-based gradient with a
   * tolerance of 1.5 settled at 85 to 100.
   */
  private static final int SETTLED_MAX = CAPACITY + CAPACITY / 4;

  private record Call(long due, AdaptiveLimiter.Token token) {}

  private static final class Server {
    final ManualClock clock = new ManualClock();
    final PriorityQueue<Call> running = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
    final Random random = new Random(1234);
    final List<Integer> limitPerSecond = new ArrayList<>();
    final List<Duration> baselinePerSecond = new ArrayList<>();
    long rejected;
    AdaptiveLimiter limiter;

    Server(AdaptiveLimiter.Builder builder) {
      this.limiter = builder.timeSource(clock).build();
    }

    /**
     * Runs for {@code seconds}. At each millisecond {@code arrivals} calls arrive (-1: as many as
     * the limiter admits); each call completes exactly when due (the clock jumps from one
     * completion to the next), so measured latencies are not rounded to the millisecond.
     */
    void run(int seconds, int arrivals) {
      for (int s = 0; s < seconds; s++) {
        for (int ms = 0; ms < 1000; ms++) {
          long tick = clock.read() + STEP;
          while (!running.isEmpty() && running.peek().due - tick <= 0) {
            Call done = running.poll();
            clock.advance(Duration.ofNanos(done.due - clock.read()));
            done.token().success();
          }
          clock.advance(Duration.ofNanos(tick - clock.read()));
          int n = arrivals < 0 ? Integer.MAX_VALUE : arrivals;
          for (int i = 0; i < n; i++) {
            Optional<AdaptiveLimiter.Token> t = limiter.tryAcquire();
            if (t.isEmpty()) {
              if (arrivals >= 0) {
                rejected++;
              }
              break;
            }
            int inFlight = limiter.inFlight();
            double noise = 1 + 0.1 * random.nextDouble();
            long latency = (long) (BASE * Math.max(1.0, (double) inFlight / CAPACITY) * noise);
            running.add(new Call(clock.read() + latency, t.get()));
          }
        }
        limitPerSecond.add(limiter.limit());
        baselinePerSecond.add(limiter.baselineLatency());
      }
    }

    List<Integer> limits(int fromSecond, int toSecond) {
      return limitPerSecond.subList(fromSecond, toSecond);
    }
  }

  @Test
  void gradientGrowsToTheServersCapacityAndStaysNearIt() {
    Server server = new Server(AdaptiveLimiter.builder().initialLimit(5).maxLimit(1000));
    server.run(60, -1);
    assertThat(server.limits(5, 60))
        .allSatisfy(l -> assertThat(l).isBetween(CAPACITY, SETTLED_MAX));
  }

  @Test
  void gradientShrinksFromFarAboveCapacity() {
    Server server = new Server(AdaptiveLimiter.builder().initialLimit(800).maxLimit(1000));
    server.run(60, -1);
    assertThat(server.limits(5, 60))
        .allSatisfy(l -> assertThat(l).isBetween(CAPACITY, SETTLED_MAX));
  }

  /**
   * AIMD settles where the mean latency reaches its threshold: 15 ms is 1.5 times the no-load 10
   * ms, so at most 1.5 times the capacity (it saw 67 to 75).
   */
  @Test
  void aimdConvergesToTheServersCapacity() {
    Server server =
        new Server(
            AdaptiveLimiter.builder()
                .initialLimit(5)
                .algorithm(AdaptiveLimiter.Algorithm.aimd(0.9, Duration.ofMillis(15))));
    server.run(120, -1);
    assertThat(server.limits(60, 120))
        .allSatisfy(l -> assertThat(l).isBetween(CAPACITY, CAPACITY * 3 / 2));
  }

  /**
   * Gradient2's drift: under sustained overload its baseline (a long average of latency) rises with
   * the latency, so the limit creeps upward. Here the limit must stay where it settled.
   */
  @Test
  void sustainedModestOverloadDoesNotMakeTheLimitCreepUpward() {
    Server server = new Server(AdaptiveLimiter.builder().initialLimit(20));
    server.run(300, 6); // 6000 calls/s against a capacity of 5000/s, for five minutes
    assertThat(server.rejected).isPositive();
    int settled = server.limits(30, 90).stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertThat(settled).isBetween(CAPACITY, SETTLED_MAX);
    assertThat(server.limits(240, 300)).allSatisfy(l -> assertThat(l).isLessThanOrEqualTo(settled));
  }

  /**
   * Vegas's drift: re-probing the no-load latency under load ratchets it upward. Here, under a
   * steady load below capacity, the baseline stays at the true no-load latency.
   */
  @Test
  void theBaselineDoesNotDriftUpwardUnderSteadyLoad() {
    Server server = new Server(AdaptiveLimiter.builder().initialLimit(20));
    server.run(300, 4); // 4000 calls/s, capacity 5000/s, for five minutes
    Duration early = server.baselinePerSecond.get(59);
    Duration late = server.baselinePerSecond.get(299);
    assertThat(late).isLessThanOrEqualTo(early);
    // the true no-load latency (the noise only adds, and its lowest draws are near zero)
    assertThat(late.toNanos()).isBetween(BASE, BASE + BASE / 100);
  }

  @Test
  void failuresShrinkTheLimitAndCallReportsThem() throws Exception {
    ManualClock clock = new ManualClock();
    AdaptiveLimiter l =
        AdaptiveLimiter.builder().initialLimit(100).minLimit(10).timeSource(clock).build();
    for (int i = 0; i < 300; i++) {
      assertThatThrownBy(() ->
              l.call(() -> {
                clock.advance(Duration.ofMillis(1)); // takes a millisecond, then fails
                throw new IllegalStateException("overloaded");
              }))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(l.limit()).isEqualTo(10);
    assertThat(l.inFlight()).isZero();
    assertThat(l.call(() -> "ok")).isEqualTo("ok");
    assertThat(l.tryCall(Duration.ZERO, () -> "ok")).contains("ok");
    try (AdaptiveLimiter.Token t = l.acquire()) {
      t.success();
      t.dropped(); // only the first outcome counts
    }
    assertThat(l.inFlight()).isZero();
  }

  @Test
  void waitersTimeOutOnTheClock() throws Throwable {
    ManualClock clock = new ManualClock();
    AdaptiveLimiter l =
        AdaptiveLimiter.builder().initialLimit(1).minLimit(1).maxLimit(1).timeSource(clock).build();
    AdaptiveLimiter.Token held = l.acquire();
    List<Optional<String>> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    Run r = Run.start("w", () -> got.add(l.tryCall(Duration.ofSeconds(1), () -> "ran")));
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(1));
    r.join();
    assertThat(got).containsExactly(Optional.empty());
    held.ignore();
    assertThat(l.inFlight()).isZero();
  }

  @Test
  void settingsAreValidatedWithMessages() {
    assertThatThrownBy(
            () -> AdaptiveLimiter.builder().minLimit(10).maxLimit(5).initialLimit(7).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minLimit must be <= maxLimit 5, was 10");
    assertThatThrownBy(() -> AdaptiveLimiter.builder().initialLimit(2000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialLimit must be in [1, 1000], was 2000");
    assertThatThrownBy(() -> AdaptiveLimiter.Algorithm.aimd(1.5, Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoffRatio must be in (0.5, 1), was 1.5");
    assertThatThrownBy(() -> AdaptiveLimiter.Algorithm.gradient(0.5, 0.2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tolerance must be in [1, 10], was 0.5");
  }
}
