package dev.weft.cli;

import dev.weft.flow.KeyedLimiter;
import dev.weft.flow.KeyedRateLimiter;
import dev.weft.flow.Limiter;
import dev.weft.flow.Permit;
import dev.weft.flow.RateLimiter;
import dev.weft.observe.Listener;
import dev.weft.observe.Progress;
import dev.weft.observe.WeftThreads;
import dev.weft.policy.Backoff;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.CircuitBreakerRegistry;
import dev.weft.policy.CircuitOpenException;
import dev.weft.policy.PolicyEvent;
import dev.weft.task.TaskFailedException;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Phaser;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.jspecify.annotations.Nullable;

/**
 * The engine of {@code weft fetch} (and {@code weft demo}): reads requests one line at a time, and
 * sends each on a virtual thread of its own through, outermost first, the global limit ({@code
 * -j}), the host's circuit breaker, the host's concurrency limit ({@code --per-host}), the global
 * and per-host rate limits, and the request timeout; it retries connect errors, timeouts, 429 and
 * 5xx with jittered backoff, waiting at least what {@code Retry-After} asks. Each URL ends as one
 * JSON line (url, status, bytes, duration, attempts, error), optionally a body file, a dead letter
 * and a state row.
 *
 * <p>Overview: the calling thread is the only producer; it holds a global permit before it forks a
 * request, so a streamed input is read only as fast as requests finish. No permit is held while a
 * retry waits. Every sink is thread-safe. Thread-safe for {@link #interrupt()}.
 */
final class Fetcher {

  /** What {@code weft fetch} was asked to do. Immutable. */
  record Settings(
      int concurrency,
      int perHost,
      @Nullable Rate rate,
      @Nullable Rate perHostRate,
      int tries,
      Backoff backoff,
      Duration timeout,
      Duration connectTimeout,
      Duration maxRetryAfter,
      int breakerWindow,
      Duration breakerOpen,
      boolean http1) {
    Settings {
      if (concurrency < 1) {
        throw new BadInput("-j must be >= 1, was " + concurrency);
      }
      if (perHost < 1) {
        throw new BadInput("--per-host must be >= 1, was " + perHost);
      }
      if (tries < 1) {
        throw new BadInput("--retries must be >= 1 (tries in total), was " + tries);
      }
      if (breakerWindow < 2 || breakerWindow > 100_000) {
        throw new BadInput("--breaker-window must be in [2, 100000], was " + breakerWindow);
      }
      if (breakerOpen.isNegative() || breakerOpen.isZero()) {
        throw new BadInput("--breaker-open must be > 0, was " + Durations.human(breakerOpen));
      }
    }
  }

  /** Where results go; null members are off. */
  record Sinks(
      LineFile results,
      @Nullable Path bodies,
      @Nullable LineFile deadLetters,
      @Nullable Progress progress,
      @Nullable RunState state) {}

  /** Counts and latencies of a finished run. Thread-safe. */
  static final class Stats {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong breakerRejected = new AtomicLong();
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final Latencies latencies = new Latencies();
    final AtomicLong breakerTrips = new AtomicLong();
    Duration took = Duration.ZERO;
  }

  private static final ThreadFactory REQUESTS = WeftThreads.virtual("weft-fetch");

  private final Settings settings;
  private final Sinks sinks;
  private final TimeSource time;
  private final HttpClient client;
  private final Limiter global;
  private final KeyedLimiter<String> perHost;
  private final @Nullable RateLimiter rate;
  private final @Nullable KeyedRateLimiter<String> perHostRate;
  private final CircuitBreakerRegistry breakers;
  private final Phaser inFlight = new Phaser(1);
  private final Stats stats = new Stats();
  private volatile boolean stopping;
  private volatile boolean interrupted;
  private volatile @Nullable String sinkFailure;

  Fetcher(Settings settings, Sinks sinks, TimeSource time) {
    this.settings = settings;
    this.sinks = sinks;
    this.time = time;
    this.client =
        HttpClient.newBuilder()
            .version(settings.http1() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.global = Limiter.builder().name("weft-fetch").limit(settings.concurrency()).build();
    this.perHost = KeyedLimiter.builder().name("weft-fetch-host").limit(settings.perHost()).build();
    Rate r = settings.rate();
    this.rate = r == null ? null : limiter("weft-fetch-rate", r);
    Rate hr = settings.perHostRate();
    this.perHostRate =
        hr == null ? null : KeyedRateLimiter.of(host -> limiter("weft-fetch-host-rate", hr));
    this.breakers = breakers(settings, time, stats.breakerTrips);
  }

  /**
   * {@return one breaker per host: it opens when at least half of the host's last {@code
   * breakerWindow} requests (and at least {@code breakerWindow / 2} of them) failed (connect
   * errors, timeouts, 5xx), stays open for {@code breakerOpen}, then lets one probe through}; each
   * opening from closed counts in {@code trips}
   */
  private static CircuitBreakerRegistry breakers(
      Settings settings, TimeSource time, AtomicLong trips) {
    Listener countTrips =
        event -> {
          if (event instanceof PolicyEvent.BreakerStateChanged(var _, var from, var to)
              && from == CircuitBreaker.State.CLOSED
              && to == CircuitBreaker.State.OPEN) {
            trips.incrementAndGet();
          }
        };
    return CircuitBreakerRegistry.builder(host ->
            CircuitBreaker.builder()
                .name(host)
                .window(settings.breakerWindow())
                .minimumCalls(Math.max(1, settings.breakerWindow() / 2))
                .failureRate(0.5)
                .openFor(settings.breakerOpen())
                .halfOpenTrials(1)
                .recordOn(IOException.class)
                .recordResult(r -> r instanceof HttpResponse<?> res && res.statusCode() >= 500)
                .timeSource(time)
                .listener(countTrips)
                .build())
        .timeSource(time)
        .build();
  }

  private RateLimiter limiter(String name, Rate r) {
    return RateLimiter.builder()
        .name(name)
        .perSecond(r.perSecond())
        .burst(Math.max(1, (int) Math.min(r.perSecond(), 100)))
        .timeSource(time)
        .build();
  }

  /** {@return the counts so far} */
  Stats stats() {
    return stats;
  }

  /** {@return whether Ctrl-C stopped the run} */
  boolean interrupted() {
    return interrupted;
  }

  /** {@return the first failure of a sink, as one line} */
  @Nullable String sinkFailure() {
    return sinkFailure;
  }

  /** Stops starting requests (Ctrl-C); those in flight finish. */
  void interrupt() {
    interrupted = true;
    stopping = true;
  }

  /**
   * Fetches every line of {@code lines} not in {@code skip}; returns when all have ended.
   *
   * @return the counts
   */
  Stats run(Iterator<String> lines, LongPredicate skip) {
    long start = time.read();
    long seq = 0;
    try {
      while (!stopping && lines.hasNext()) {
        String line = lines.next();
        seq++;
        if (line.isBlank()) {
          continue;
        }
        if (skip.test(seq)) {
          Progress p = sinks.progress();
          if (p != null) {
            p.step(); // done by an earlier run
          }
          continue;
        }
        Permit permit = global.acquire();
        long s = seq;
        inFlight.register();
        REQUESTS
            .newThread(() -> {
              try {
                fetch(s, line);
              } finally {
                permit.close();
                inFlight.arriveAndDeregister();
              }
            })
            .start();
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } catch (UncheckedIOException e) {
      sinkFailure = "reading input: " + e.getMessage();
    } finally {
      int phase = inFlight.arrive();
      boolean wasInterrupted = false;
      while (true) {
        try {
          inFlight.awaitAdvanceInterruptibly(phase);
          break;
        } catch (InterruptedException e) {
          wasInterrupted = true;
          interrupt();
        }
      }
      client.close(); // only now: every request has ended
      if (wasInterrupted) {
        Thread.currentThread().interrupt();
      }
    }
    stats.took = time.since(start);
    return stats;
  }

  private void fetch(long seq, String line) {
    long t0 = time.read();
    int attempt = 0;
    int status = 0;
    long bytes = 0;
    String error = null;
    String url = line.trim();
    SplittableRandom random = new SplittableRandom(seq);
    try {
      FetchRequest req = FetchRequest.parse(line, seq);
      url = req.uri().toString();
      String host = req.hostKey();
      HttpRequest.Builder b =
          HttpRequest.newBuilder(req.uri())
              .timeout(settings.timeout())
              .method(
                  req.method(),
                  req.body() == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(req.body()));
      req.headers().forEach(b::header);
      HttpRequest request = b.build();
      CircuitBreaker breaker = breakers.get(host);
      while (true) {
        attempt++;
        Duration retryAfter = Duration.ZERO;
        boolean retryable;
        try {
          HttpResponse<byte[]> res = breaker.call(() -> send(host, request));
          status = res.statusCode();
          bytes = res.body().length;
          error = null;
          retryable = status == 429 || status >= 500;
          if (retryable) {
            error = "HTTP " + status;
            retryAfter = retryAfter(res.headers().firstValue("Retry-After"));
          } else {
            Path dir = sinks.bodies();
            if (dir != null) {
              saveBody(dir, seq, res.body());
            }
          }
        } catch (CircuitOpenException e) {
          stats.breakerRejected.incrementAndGet();
          error = "circuit open for " + host + " after repeated failures";
          break;
        } catch (CancellationException e) {
          Thread.interrupted(); // the policy re-set the flag; it is handled here
          throw new InterruptedException("interrupted");
        } catch (TaskFailedException e) {
          if (!(e.getCause() instanceof IOException io)) {
            throw e;
          }
          error = describe(io);
          retryable = true;
        }
        if (!retryable || attempt >= settings.tries() || stopping) {
          break;
        }
        Duration wait = settings.backoff().delay(attempt, random);
        time.sleep(wait.compareTo(retryAfter) >= 0 ? wait : retryAfter);
      }
    } catch (BadInput e) {
      error = e.getMessage();
    } catch (InterruptedException e) {
      error = "interrupted";
      interrupted = true;
      stopping = true;
    }
    Duration took = time.since(t0);
    boolean ok = error == null && status > 0 && status < 400;
    record(seq, url, ok, status, bytes, took, attempt, error);
  }

  /** One attempt, run under the host's breaker. */
  private HttpResponse<byte[]> send(String host, HttpRequest request)
      throws IOException, InterruptedException {
    stats.attempts.incrementAndGet();
    try (Permit _ = perHost.acquire(host)) {
      RateLimiter r = rate;
      if (r != null) {
        r.acquire();
      }
      KeyedRateLimiter<String> hr = perHostRate;
      if (hr != null) {
        hr.acquire(host);
      }
      return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
  }

  private String describe(IOException e) {
    return switch (e) {
      case HttpConnectTimeoutException _ -> "connect timed out";
      case HttpTimeoutException _ -> "timed out after " + Durations.human(settings.timeout());
      case ConnectException _ -> "connection refused";
      default ->
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    };
  }

  private void record(
      long seq,
      String url,
      boolean ok,
      int status,
      long bytes,
      Duration took,
      int attempts,
      @Nullable String error) {
    stats.latencies.add(took);
    stats.bytes.addAndGet(bytes);
    if (ok) {
      (attempts > 1 ? stats.retried : stats.ok).incrementAndGet();
    } else {
      stats.failed.incrementAndGet();
    }
    Progress progress = sinks.progress();
    if (progress != null) {
      if (ok) {
        progress.step();
      } else {
        progress.fail();
      }
    }
    try {
      Map<String, @Nullable Object> r = new LinkedHashMap<>();
      r.put("url", url);
      r.put("status", status == 0 ? null : status);
      r.put("bytes", bytes);
      r.put("duration_ms", took.toMillis());
      r.put("attempts", attempts);
      r.put("error", error);
      if (ok && sinks.bodies() != null) {
        r.put("body", String.valueOf(sinks.bodies()) + "/" + seq + ".body");
      }
      sinks.results().println(Json.line(r));
      LineFile dead = sinks.deadLetters();
      if (!ok && dead != null && !"interrupted".equals(error)) {
        dead.println(url);
        stats.deadLettered.incrementAndGet();
      }
      RunState state = sinks.state();
      if (state != null && !"interrupted".equals(error)) {
        state.finished(seq, url, ok, status, attempts, took);
      }
    } catch (IOException e) {
      fail(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private void saveBody(Path dir, long seq, byte[] body) {
    try {
      Files.write(dir.resolve(seq + ".body"), body);
    } catch (IOException e) {
      fail("--bodies '" + dir + "': " + JobLog.reason(e));
    }
  }

  private Duration retryAfter(Optional<String> header) {
    if (header.isEmpty()) {
      return Duration.ZERO;
    }
    String v = header.get().trim();
    Duration d;
    try {
      d = Duration.ofSeconds(Long.parseLong(v));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        d = Duration.between(time.wallTime(), at.toInstant());
      } catch (DateTimeParseException e) {
        return Duration.ZERO;
      }
    }
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(settings.maxRetryAfter()) > 0 ? settings.maxRetryAfter() : d;
  }

  private void fail(String message) {
    if (sinkFailure == null) {
      sinkFailure = message;
    }
    stopping = true;
  }
}
