package dev.weft.bench.policy;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.weft.observe.Listener;
import dev.weft.policy.Backoff;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.Policy;
import dev.weft.policy.Retry;
import dev.weft.policy.Timeout;
import dev.weft.spring.observation.WeftObservations;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Retry around a circuit breaker around a timeout of 1 s, around a call that (a) succeeds, (b)
 * fails on its first attempt one call in ten (the retry's second attempt succeeds), and (c)
 * succeeds, from 2 threads sharing the policies. Each library gets the same settings: 3 attempts
 * with no delay, a count window of 100 calls opening at 50% failures, a 1 s timeout that
 * interrupts. Resilience4j's TimeLimiter needs a future, so its work runs on a
 * virtual-thread-per-task executor; weft's timeout runs the work on the caller and registers its
 * deadline with one shared timer thread (no thread per call); Failsafe's runs the work on the
 * caller and schedules the interrupt on a shared scheduler.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PolicyBench {

  /** The three stacks, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Stacks {
    final Policy<Object> weft;
    final Policy<Object> weftListener;
    final WeftObservations observed;
    final WeftObservations observedNoop;
    final Retryable r4j;
    final FailsafeExecutor<Object> failsafe;
    final ExecutorService r4jExecutor;

    /** Builds the stacks once per trial. */
    public Stacks() {
      weft =
          Policy.of(
              Retry.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ZERO)).build(),
              CircuitBreaker.builder().failureRate(0.5).window(100).build(),
              Timeout.of(Duration.ofSeconds(1)));

      // the same stack with the listener weft-spring-boot-starter installs (MicrometerListener)
      Listener meters = new dev.weft.micrometer.MicrometerListener(new SimpleMeterRegistry());
      weftListener =
          Policy.of(
              Retry.builder()
                  .maxAttempts(3)
                  .backoff(Backoff.fixed(Duration.ZERO))
                  .listener(meters)
                  .build(),
              CircuitBreaker.builder().failureRate(0.5).window(100).listener(meters).build(),
              Timeout.of(Duration.ofSeconds(1)));

      // the starter's Observation path: a registry that turns each observation into a timer, as
      // Spring Boot's actuator configures it, and the no-op registry of an application without one
      ObservationRegistry registry = ObservationRegistry.create();
      registry
          .observationConfig()
          .observationHandler(new DefaultMeterObservationHandler(new SimpleMeterRegistry()));
      observed = new WeftObservations(registry);
      observedNoop = new WeftObservations(ObservationRegistry.NOOP);

      r4jExecutor = Executors.newVirtualThreadPerTaskExecutor();
      var retry =
          io.github.resilience4j.retry.Retry.of(
              "r", RetryConfig.custom().maxAttempts(3).waitDuration(Duration.ZERO).build());
      var breaker =
          io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
              "b",
              CircuitBreakerConfig.custom()
                  .failureRateThreshold(50)
                  .slidingWindowSize(100)
                  .build());
      TimeLimiter limiter =
          TimeLimiter.of(
              TimeLimiterConfig.custom()
                  .timeoutDuration(Duration.ofSeconds(1))
                  .cancelRunningFuture(true)
                  .build());
      ExecutorService ex = r4jExecutor;
      r4j =
          work ->
              io.github.resilience4j.retry.Retry.decorateCallable(
                      retry,
                      io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateCallable(
                          breaker, () -> limiter.executeFutureSupplier(() -> ex.submit(work))))
                  .call();

      failsafe =
          Failsafe.with(
              dev.failsafe.RetryPolicy.builder().withMaxAttempts(3).build(),
              dev.failsafe.CircuitBreaker.builder()
                  .withFailureRateThreshold(50, 100, Duration.ofSeconds(60))
                  .build(),
              dev.failsafe.Timeout.builder(Duration.ofSeconds(1)).withInterrupt().build());
    }

    @TearDown
    public void tearDown() {
      r4jExecutor.shutdownNow();
    }
  }

  /** Resilience4j's decorated call, built per call as its API needs. */
  @FunctionalInterface
  interface Retryable {
    Object call(Callable<Object> work) throws Exception;
  }

  /** Per-thread work: succeeds, or fails the first attempt of every tenth call. */
  @State(Scope.Thread)
  public static class Work {
    // made once, so that filling in stack traces does not dominate: each library throws the same
    final IOException failure = new IOException("every tenth call fails once");
    long calls;
    boolean failNext;
    final Callable<Object> succeeding = () -> true;
    final Callable<Object> tenthFails =
        () -> {
          if (failNext) {
            failNext = false;
            throw failure;
          }
          return true;
        };

    Callable<Object> next() {
      failNext = ++calls % 10 == 0;
      return tenthFails;
    }
  }

  /** The call with no policy, for scale. */
  @Benchmark
  public Object direct(Work w) throws Exception {
    return w.succeeding.call();
  }

  @Benchmark
  public Object a_weft(Stacks s, Work w) {
    return s.weft.call(w.succeeding);
  }

  /** {@link #a_weft} with the starter's listener recording events into Micrometer meters. */
  @Benchmark
  public Object a_weft_listener(Stacks s, Work w) {
    return s.weftListener.call(w.succeeding);
  }

  /**
   * {@link #a_weft} called through {@link WeftObservations#call}, each call a timed observation.
   */
  @Benchmark
  public Object a_weft_observed(Stacks s, Work w) {
    return s.observed.call("bench", s.weft, w.succeeding);
  }

  /** {@link #a_weft} called through {@link WeftObservations#call} with the no-op registry. */
  @Benchmark
  public Object a_weft_observed_noop(Stacks s, Work w) {
    return s.observedNoop.call("bench", s.weft, w.succeeding);
  }

  @Benchmark
  public Object a_resilience4j(Stacks s, Work w) throws Exception {
    return s.r4j.call(w.succeeding);
  }

  @Benchmark
  public Object a_failsafe(Stacks s, Work w) {
    return s.failsafe.get(w.succeeding::call);
  }

  @Benchmark
  public Object b_weft(Stacks s, Work w) {
    return s.weft.call(w.next());
  }

  /** {@link #b_weft} with the starter's listener recording events into Micrometer meters. */
  @Benchmark
  public Object b_weft_listener(Stacks s, Work w) {
    return s.weftListener.call(w.next());
  }

  /**
   * {@link #b_weft} called through {@link WeftObservations#call}, each call a timed observation.
   */
  @Benchmark
  public Object b_weft_observed(Stacks s, Work w) {
    return s.observed.call("bench", s.weft, w.next());
  }

  @Benchmark
  public Object b_resilience4j(Stacks s, Work w) throws Exception {
    return s.r4j.call(w.next());
  }

  @Benchmark
  public Object b_failsafe(Stacks s, Work w) {
    return s.failsafe.get(w.next()::call);
  }

  @Benchmark
  @Threads(2)
  public Object c_weft(Stacks s, Work w) {
    return s.weft.call(w.succeeding);
  }

  @Benchmark
  @Threads(2)
  public Object c_resilience4j(Stacks s, Work w) throws Exception {
    return s.r4j.call(w.succeeding);
  }

  @Benchmark
  @Threads(2)
  public Object c_failsafe(Stacks s, Work w) {
    return s.failsafe.get(w.succeeding::call);
  }
}
