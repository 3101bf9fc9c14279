package dev.weft.cli;

import dev.weft.flow.KeyedLimiter;
import dev.weft.flow.KeyedRateLimiter;
import dev.weft.flow.Permit;
import dev.weft.flow.RateLimiter;
import dev.weft.observe.Listener;
import dev.weft.observe.Progress;
import dev.weft.policy.Backoff;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.CircuitBreakerRegistry;
import dev.weft.policy.CircuitOpenException;
import dev.weft.policy.PolicyEvent;
import dev.weft.policy.RetriesExhaustedException;
import dev.weft.policy.Retry;
import dev.weft.task.CancelledException;
import dev.weft.task.Scope;
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
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.jspecify.annotations.Nullable;

/**
 * The engine of {@code weft fetch} (and {@code weft demo}): reads requests one line at a time, and
 * forks each into the run's {@link Scope} through, outermost first, the global limit ({@code -j},
 * the scope's {@linkplain Scope.Builder#limit(int) limit}), a {@link Retry}, the host's circuit
 * breaker, the host's concurrency limit ({@code --per-host}), the global and per-host rate limits,
 * and the request timeout. The retry retries connect errors, timeouts, 429 and 5xx with the
 * backoff; a {@code Retry-After} of the server replaces the backoff's delay (up to {@code
 * --max-retry-after}). Each URL ends as one JSON line (url, status, bytes, duration, attempts,
 * error), optionally a body file, a dead letter and a state row.
 *
 * <p>Overview: the calling thread opens the scope and is the only producer; its {@code fork} waits
 * while {@code -j} requests run, so a streamed input is read only as fast as requests finish. No
 * host permit is held while a retry waits. Ctrl-C ({@link #interrupt()}) and an interrupt of the
 * producer cancel the scope: requests not started never start, running ones are interrupted and end
 * as "interrupted" (not recorded as done, so {@code --resume} fetches them again), and {@link #run}
 * returns once they have. Every sink is thread-safe. Thread-safe for {@link #interrupt()}.
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
      int breakerMinCalls,
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
      if (breakerMinCalls < 1 || breakerMinCalls > breakerWindow) {
        throw new BadInput(
            "--breaker-min-calls must be in [1, --breaker-window "
                + breakerWindow
                + "], was "
                + breakerMinCalls);
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
    final AtomicLong breakerWaits = new AtomicLong();
    Duration took = Duration.ZERO;
  }

  private final Settings settings;
  private final Sinks sinks;
  private final TimeSource time;
  private final HttpClient client;
  private final KeyedLimiter<String> perHost;
  private final @Nullable RateLimiter rate;
  private final @Nullable KeyedRateLimiter<String> perHostRate;
  private final CircuitBreakerRegistry breakers;
  private final Retry<HttpResponse<byte[]>> retry;
  private final Stats stats = new Stats();
  private final Set<String> downHosts = ConcurrentHashMap.newKeySet(); // a probe failed
  private final Map<String, AtomicInteger> waiters = new ConcurrentHashMap<>(); // retries waiting
  private volatile @Nullable Scope requests; // the run's scope, while it is open
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
    this.perHost = KeyedLimiter.builder().name("weft-fetch-host").limit(settings.perHost()).build();
    Rate r = settings.rate();
    this.rate = r == null ? null : limiter("weft-fetch-rate", r);
    Rate hr = settings.perHostRate();
    this.perHostRate =
        hr == null ? null : KeyedRateLimiter.of(host -> limiter("weft-fetch-host-rate", hr));
    this.breakers = breakers(settings, time, stats.breakerTrips, downHosts);
    this.retry =
        Retry.<HttpResponse<byte[]>>builder()
            .name("weft-fetch")
            .maxAttempts(settings.tries())
            .backoff(settings.backoff())
            .retryIf(e -> !stopping && (ioFailure(e) != null || waitable(e)))
            .retryIfResult(res -> !stopping && retryable(res.statusCode()))
            .retryHint(settings.maxRetryAfter(), this::hint)
            .timeSource(time)
            .build();
  }

  private static boolean retryable(int status) {
    return status == 429 || status >= 500;
  }

  /**
   * {@return the server's {@code Retry-After}, or null (no header, or 0) for the backoff's delay}
   */
  private @Nullable Duration hint(@Nullable HttpResponse<byte[]> res, @Nullable Throwable failure) {
    if (failure instanceof CircuitOpenException open) {
      return open.retryAfter().filter(d -> !d.isZero()).orElse(null); // until it half-opens
    }
    if (res == null) {
      return null;
    }
    Duration d = retryAfter(res.headers().firstValue("Retry-After"));
    return d.isZero() ? null : d;
  }

  /** {@return the I/O failure an attempt threw through the breaker, or null if it is another} */
  private static @Nullable IOException ioFailure(Throwable e) {
    return e instanceof TaskFailedException && e.getCause() instanceof IOException io ? io : null;
  }

  /**
   * {@return whether a refusal of the host's breaker may be retried: not once the host is judged
   * down (its probe failed since it last closed), nor when the breaker was opened by hand}
   */
  private boolean waitable(Throwable e) {
    return e instanceof CircuitOpenException open
        && open.state() != CircuitBreaker.State.FORCED_OPEN
        && !downHosts.contains(open.breakerName());
  }

  /**
   * {@return one breaker per host: it opens when at least half of the host's last {@code
   * breakerWindow} requests (and at least {@code breakerMinCalls} of them) failed (connect errors,
   * timeouts, 5xx), stays open for {@code breakerOpen}, then lets one probe through}; each opening
   * from closed counts in {@code trips}; a host whose probe failed is in {@code down} until its
   * breaker closes again
   */
  private static CircuitBreakerRegistry breakers(
      Settings settings, TimeSource time, AtomicLong trips, Set<String> down) {
    Listener countTrips =
        event -> {
          if (event instanceof PolicyEvent.BreakerStateChanged(var host, var from, var to)) {
            if (from == CircuitBreaker.State.CLOSED && to == CircuitBreaker.State.OPEN) {
              trips.incrementAndGet();
            } else if (from == CircuitBreaker.State.HALF_OPEN && to == CircuitBreaker.State.OPEN) {
              down.add(host);
            } else if (to == CircuitBreaker.State.CLOSED) {
              down.remove(host);
            }
          }
        };
    return CircuitBreakerRegistry.builder(host ->
            CircuitBreaker.builder()
                .name(host)
                .window(settings.breakerWindow())
                .minimumCalls(settings.breakerMinCalls())
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

  /** Stops starting requests and cancels those in flight (Ctrl-C); returns at once. */
  void interrupt() {
    interrupted = true;
    stopping = true;
    Scope s = requests;
    if (s != null) {
      s.cancel();
    }
  }

  /**
   * Fetches every line of {@code lines} not in {@code skip}; returns when all have ended. An
   * interrupt of the calling thread is taken as Ctrl-C ({@link #interrupted()} becomes true) and
   * its status is set again before returning.
   *
   * @return the counts
   */
  Stats run(Iterator<String> lines, LongPredicate skip) {
    long start = time.read();
    long seq = 0;
    boolean wasInterrupted = false;
    try (Scope scope =
        Scope.builder().name("weft fetch").collectAll().limit(settings.concurrency()).open()) {
      requests = scope;
      if (interrupted) {
        scope.cancel(); // interrupt() came before the scope was published
      }
      try {
        while (!stopping && !scope.isCancelled() && lines.hasNext()) {
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
          scope.fork(new Request(seq, line)); // waits while -j requests run
        }
      } catch (UncheckedIOException e) {
        sinkFailure = "reading input: " + e.getMessage();
      }
      try {
        scope.join();
      } catch (CancelledException e) {
        // interrupted while joining: the scope cancelled the requests and waited for them
        wasInterrupted = Thread.interrupted();
      }
      if (scope.isCancelled()) {
        interrupted = true; // Ctrl-C, or an interrupt of this thread while forking or joining
      }
    } finally {
      requests = null;
      client.close(); // only now: every request has ended
      if (wasInterrupted) {
        Thread.currentThread().interrupt();
      }
    }
    stats.took = time.since(start);
    return stats;
  }

  /** One request's fork; its line is dropped once it runs (the scope keeps its forks). */
  private final class Request implements Callable<@Nullable Void> {
    private final long seq;
    private @Nullable String line;

    Request(long seq, String line) {
      this.seq = seq;
      this.line = line;
    }

    @Override
    public @Nullable Void call() {
      String l = line;
      line = null;
      if (l != null) {
        fetch(seq, l);
      }
      return null;
    }
  }

  /** What the attempts of one request saw, kept by the work the retry calls. */
  private static final class Attempts {
    int count;
    int status;
    long bytes;
  }

  private void fetch(long seq, String line) {
    long t0 = time.read();
    Attempts tried = new Attempts();
    String error = null;
    String url = line.trim();
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
      try {
        HttpResponse<byte[]> res =
            retry.call(() -> {
              tried.count++;
              HttpResponse<byte[]> r = throughBreaker(host, breaker, request, tried.count);
              tried.status = r.statusCode();
              tried.bytes = r.body().length;
              return r;
            });
        if (retryable(res.statusCode())) {
          error = "HTTP " + res.statusCode();
        } else {
          Path dir = sinks.bodies();
          if (dir != null) {
            saveBody(dir, seq, res.body());
          }
        }
      } catch (CircuitOpenException e) {
        stats.breakerRejected.incrementAndGet();
        error = "circuit open for " + host + " after repeated failures";
      } catch (RetriesExhaustedException e) {
        if (e.getCause() instanceof CircuitOpenException) {
          stats.breakerRejected.incrementAndGet();
          error = "circuit open for " + host + " after repeated failures";
        } else {
          error = describe(io(e.getCause(), e));
        }
      } catch (TaskFailedException e) {
        error = describe(io(e, e)); // an I/O failure not retried: the run is stopping
      }
    } catch (BadInput e) {
      error = e.getMessage();
    } catch (CancellationException e) {
      Thread.interrupted(); // the policy re-set the flag; it is handled here
      error = "interrupted";
      interrupted = true;
      stopping = true;
    }
    Duration took = time.since(t0);
    int status = tried.status;
    boolean ok = error == null && status > 0 && status < 400;
    record(seq, url, ok, status, tried.bytes, took, tried.count, error);
  }

  /** {@return the I/O failure of {@code failure}}, else throws {@code thrown} on */
  private static IOException io(@Nullable Throwable failure, RuntimeException thrown) {
    IOException io = failure == null ? null : ioFailure(failure);
    if (io == null) {
      throw thrown;
    }
    return io;
  }

  /**
   * One attempt through the host's breaker. A URL's first attempt that meets an open breaker is
   * refused at once (a host that is down costs its URLs nothing), and it leaves the probe of a
   * half-open breaker to a retry that waits for it. A retry that meets an open breaker waits until
   * it half-opens, or until the probe in flight ends, and then makes its request: the wait is part
   * of this one attempt. A retry stops waiting and is refused when the host is judged down (its
   * probe failed), when the breaker was opened by hand, or after waiting through two open periods.
   */
  private HttpResponse<byte[]> throughBreaker(
      String host, CircuitBreaker breaker, HttpRequest request, int attempt)
      throws InterruptedException {
    AtomicInteger waiting = waiters.computeIfAbsent(host, h -> new AtomicInteger());
    if (attempt == 1) {
      while (waiting.get() > 0 && breaker.state() == CircuitBreaker.State.HALF_OPEN) {
        time.sleep(PROBE_POLL); // a retry probes the host: its outcome decides for this URL too
      }
      return breaker.call(() -> send(host, request));
    }
    waiting.incrementAndGet();
    try {
      int openPeriods = 0;
      while (true) {
        try {
          return breaker.call(() -> send(host, request));
        } catch (CircuitOpenException e) {
          boolean open = e.state() == CircuitBreaker.State.OPEN;
          if (!waitable(e) || (open && ++openPeriods > 2)) {
            throw e;
          }
          Duration wait = open ? e.retryAfter().orElse(PROBE_POLL) : PROBE_POLL;
          stats.breakerWaits.incrementAndGet();
          time.sleep(wait.isZero() ? PROBE_POLL : wait);
        }
      }
    } finally {
      waiting.decrementAndGet();
    }
  }

  /** How often a retry waiting on a half-open breaker looks whether its probe ended. */
  private static final Duration PROBE_POLL = Duration.ofMillis(20);

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
      return sendWithin(request);
    }
  }

  /**
   * Sends {@code request} and reads its whole body within the request timeout. The request's own
   * timeout ends only the wait for the response headers: a server that sends its headers and then
   * stalls in the body would hold the request for ever. So the whole exchange is bounded here too,
   * and cancelled (which closes its connection) when the bound passes or the caller is interrupted.
   *
   * @throws HttpTimeoutException when the response, body included, took longer than the timeout
   */
  private HttpResponse<byte[]> sendWithin(HttpRequest request)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    try {
      return exchange.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new HttpTimeoutException("request timed out");
    } catch (InterruptedException e) {
      exchange.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(cause);
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
