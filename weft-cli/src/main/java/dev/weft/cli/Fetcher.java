package dev.weft.cli;

import dev.weft.flow.KeyedLimiter;
import dev.weft.flow.KeyedRateLimiter;
import dev.weft.flow.Permit;
import dev.weft.flow.RateLimiter;
import dev.weft.observe.Progress;
import dev.weft.policy.Backoff;
import dev.weft.policy.CircuitOpenException;
import dev.weft.policy.RetriesExhaustedException;
import dev.weft.policy.Retry;
import dev.weft.task.CancelledException;
import dev.weft.task.Scope;
import dev.weft.task.TaskContext;
import dev.weft.task.TaskFailedException;
import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import javax.net.ssl.SSLException;
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
 *
 * <p>Retries and breakers: a URL's first attempt that meets an open breaker is refused; a retry
 * waits inside its attempt until the breaker half-opens, or until the probe in flight ends, and a
 * host judged down is waited for by nobody ({@link HostBreakers}). Every wait, the retry's delays
 * included (the fork runs within the URL's deadline), ends with the URL's {@link
 * FetchExchange.Budget}: the earlier of {@code --max-time} and {@code --deadline}.
 */
final class Fetcher {

  private final FetchSettings settings;
  private final FetchSinks sinks;
  private final TimeSource time;
  private final HttpClient client;
  private final KeyedLimiter<String> perHost;
  private final @Nullable RateLimiter rate;
  private final @Nullable KeyedRateLimiter<String> perHostRate;
  private final HostBreakers breakers;
  private final Retry<HttpResponse<byte[]>> retry;
  private final Map<Integer, Retry<HttpResponse<byte[]>>> retries = new ConcurrentHashMap<>();
  private final FetchExchange exchange;
  private final @Nullable BodyFolder folder;
  private final Map<String, AtomicInteger> hostErrors = new ConcurrentHashMap<>();
  private volatile Deadline runDeadline = Deadline.never();
  private final FetchStats stats = new FetchStats();
  private volatile @Nullable Scope requests; // the run's scope, while it is open
  private volatile boolean stopping;
  private volatile boolean interrupted;
  private volatile @Nullable String sinkFailure;

  Fetcher(FetchSettings settings, FetchSinks sinks, TimeSource time) {
    this.settings = settings;
    this.sinks = sinks;
    this.time = time;
    this.client =
        HttpClient.newBuilder()
            .version(settings.http1() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER) // FetchExchange follows them, counted
            .build();
    FetchSettings.Limits limits = settings.limits();
    this.exchange = new FetchExchange(client, time, limits.maxRedirects(), limits.stall());
    Path dir = sinks.bodies();
    this.folder = dir == null ? null : new BodyFolder(dir);
    this.perHost = KeyedLimiter.builder().name("weft-fetch-host").limit(settings.perHost()).build();
    Rate r = settings.rate();
    this.rate = r == null ? null : limiter("weft-fetch-rate", r);
    Rate hr = settings.perHostRate();
    this.perHostRate =
        hr == null ? null : KeyedRateLimiter.of(host -> limiter("weft-fetch-host-rate", hr));
    this.breakers = new HostBreakers(settings, time, stats.breakerTrips, stats.breakerWaits);
    this.retry = retry(settings.tries());
  }

  private Retry<HttpResponse<byte[]>> retry(int tries) {
    return Retry.<HttpResponse<byte[]>>builder()
        .name("weft-fetch")
        .maxAttempts(tries)
        .backoff(settings.backoff())
        .retryIf(e -> !stopping && (worthRetrying(ioFailure(e)) || breakers.waitable(e)))
        .retryIfResult(res -> !stopping && retryable(res.statusCode()))
        .retryHint(settings.maxRetryAfter(), this::hint)
        .timeSource(time)
        .build();
  }

  /** {@return whether another try may help: not after a TLS error, a redirect loop, time up} */
  private static boolean worthRetrying(@Nullable IOException e) {
    return e != null
        && !(e instanceof FetchExchange.OutOfTime)
        && !(e instanceof FetchExchange.TooManyRedirects)
        && tls(e) == null;
  }

  /** {@return the TLS failure in {@code e}'s causes, or null} */
  private static @Nullable SSLException tls(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  static boolean retryable(int status) {
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
  static @Nullable IOException ioFailure(Throwable e) {
    return e instanceof TaskFailedException && e.getCause() instanceof IOException io ? io : null;
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
  FetchStats stats() {
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
  FetchStats run(Iterator<String> lines, LongPredicate skip) {
    long start = time.read();
    Duration d = settings.limits().deadline();
    runDeadline = d == null ? Deadline.never() : Deadline.after(d, time);
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
          if (runDeadline.isExpired()) {
            stats.notStarted.incrementAndGet(); // not recorded: --resume fetches it
            stats.unreadAfter = seq; // the rest is left unread: the input may never end
            break;
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
      if (l != null && runDeadline.isExpired()) {
        stats.notStarted.incrementAndGet(); // forked before --deadline passed, started after
      } else if (l != null) {
        fetch(seq, l);
      }
      return null;
    }
  }

  private void fetch(long seq, String line) {
    long t0 = time.read();
    HostBreakers.Tries tried = new HostBreakers.Tries();
    String error = null;
    String url = line.trim();
    String saved = null;
    String hostKey = null;
    try {
      FetchRequest req = FetchRequest.parse(line, seq);
      url = req.uri().toString();
      String host = req.hostKey();
      hostKey = host;
      FetchExchange.Budget budget = budget(req);
      BodyFolder.Validators known =
          folder != null && req.method().equals("GET") ? folder.validators(seq, url) : null;
      HttpRequest request = request(req, known);
      Duration timeout = req.timeout() != null ? req.timeout() : settings.timeout();
      Integer tries = req.tries();
      Retry<HttpResponse<byte[]>> r =
          tries == null || tries == settings.tries()
              ? retry
              : retries.computeIfAbsent(tries, this::retry);
      try {
        HttpResponse<byte[]> res =
            within(
                budget,
                () ->
                    r.call(() -> {
                      tried.count++;
                      HttpResponse<byte[]> got =
                          breakers.call(
                              host,
                              tried,
                              budget,
                              () -> skipIfFailing(host),
                              () -> send(host, request, timeout, budget));
                      tried.status = got.statusCode();
                      tried.bytes = got.body().length;
                      return got;
                    }));
        if (retryable(res.statusCode())) {
          error = "HTTP " + res.statusCode();
        } else if (folder != null && res.statusCode() == 304 && known != null) {
          saved = folder.body(seq).toString(); // not modified: the saved body stands
        } else if (folder != null && res.statusCode() < 400) {
          saved = saveBody(folder, seq, url, res);
        }
      } catch (SkippedHost e) {
        stats.skippedHosts.computeIfAbsent(host, h -> new AtomicLong()).incrementAndGet();
        error = e.getMessage();
      } catch (CircuitOpenException e) {
        stats.breakerRejected.incrementAndGet();
        error = "circuit open for " + host + " after repeated failures";
      } catch (RetriesExhaustedException e) {
        if (e.getCause() instanceof CircuitOpenException) {
          stats.breakerRejected.incrementAndGet();
          error = "circuit open for " + host + " after repeated failures";
        } else {
          error = describe(io(e.getCause(), e), timeout);
        }
      } catch (TaskFailedException e) {
        error = describe(io(e, e), timeout); // an I/O failure not retried
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
    if (hostKey != null) {
      breakers.ended(hostKey, tried);
    }
    record(seq, url, ok, status, tried.bytes, took, tried.count, error, ok ? saved : null);
  }

  /** {@return the request to send: the line's method, headers and body, and its validators} */
  private HttpRequest request(FetchRequest req, BodyFolder.@Nullable Validators known) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(req.uri())
            .method(
                req.method(),
                req.body() == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(req.body()));
    req.headers().forEach(b::header);
    if (known != null) {
      String etag = known.etag();
      String modified = known.lastModified();
      if (etag != null && !has(req, "If-None-Match")) {
        b.header("If-None-Match", etag);
      }
      if (modified != null && !has(req, "If-Modified-Since")) {
        b.header("If-Modified-Since", modified);
      }
    }
    return b.build();
  }

  private static boolean has(FetchRequest req, String header) {
    return req.headers().keySet().stream().anyMatch(header::equalsIgnoreCase);
  }

  /** {@return the time the URL may take: the earlier of its --max-time and the run's --deadline} */
  private FetchExchange.Budget budget(FetchRequest req) {
    Duration max = req.maxTime() != null ? req.maxTime() : settings.limits().maxTime();
    Deadline run = runDeadline;
    String runFlag =
        "--deadline "
            + Durations.human(
                settings.limits().deadline() == null
                    ? Duration.ZERO
                    : settings.limits().deadline());
    if (max == null) {
      return run.isNever() ? FetchExchange.Budget.NONE : new FetchExchange.Budget(run, runFlag);
    }
    Deadline own = Deadline.after(max, time);
    return own.compareTo(run) <= 0
        ? new FetchExchange.Budget(own, "--max-time " + Durations.human(max))
        : new FetchExchange.Budget(run, runFlag);
  }

  /** Runs {@code work} as a task whose deadline is the budget's, so that retries never pass it. */
  private static <T> T within(FetchExchange.Budget budget, Callable<T> work) {
    if (budget.deadline().isNever()) {
      try {
        return work.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e); // the work throws only unchecked exceptions
      }
    }
    try {
      return TaskContext.callWithin(TaskContext.token(), budget.deadline(), work);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A host reached --max-errors-per-host: its remaining URLs are not fetched. */
  private static final class SkippedHost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SkippedHost(String host, int errors) {
      super(
          "skipped: " + host + " failed " + errors + " requests (--max-errors-per-host)",
          null,
          false,
          false);
    }
  }

  /** {@return the I/O failure of {@code failure}}, else throws {@code thrown} on */
  private static IOException io(@Nullable Throwable failure, RuntimeException thrown) {
    IOException io = failure == null ? null : ioFailure(failure);
    if (io == null) {
      throw thrown;
    }
    return io;
  }

  /** Throws {@link SkippedHost} once {@code host} failed {@code --max-errors-per-host} times. */
  private void skipIfFailing(String host) {
    Integer max = settings.limits().maxErrorsPerHost();
    if (max != null) {
      AtomicInteger errors = hostErrors.get(host);
      if (errors != null && errors.get() >= max) {
        throw new SkippedHost(host, errors.get());
      }
    }
  }

  private void countError(String host) {
    if (settings.limits().maxErrorsPerHost() != null) {
      hostErrors.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
    }
  }

  /**
   * One attempt, run under the host's breaker: the random delay, the host's permit, the rate
   * limits, then the exchange. Every wait ends when the URL's time is up.
   */
  private HttpResponse<byte[]> send(
      String host, HttpRequest request, Duration timeout, FetchExchange.Budget budget)
      throws IOException, InterruptedException {
    FetchSettings.Limits limits = settings.limits();
    Duration from = limits.delayFrom();
    Duration to = limits.delayTo();
    if (from != null && to != null) {
      long nanos = from.toNanos() + Backoff.jitter().nextLong(0, to.toNanos() - from.toNanos() + 1);
      Duration delay = Duration.ofNanos(nanos);
      if (budget.excludes(delay)) {
        throw budget.passed();
      }
      time.sleep(delay);
    }
    stats.attempts.incrementAndGet();
    try (Permit _ = perHost.acquire(host)) {
      RateLimiter r = rate;
      if (r != null && !(budget.remaining() == null ? acquired(r) : r.tryAcquire(left(budget)))) {
        throw budget.passed();
      }
      KeyedRateLimiter<String> hr = perHostRate;
      if (hr != null
          && !(budget.remaining() == null
              ? acquired(hr, host)
              : hr.tryAcquire(host, left(budget)))) {
        throw budget.passed();
      }
      HttpResponse<byte[]> res = exchange.send(request, timeout, budget);
      breakers.connected(host, true);
      if (res.statusCode() >= 500) {
        countError(host);
      }
      return res;
    } catch (IOException e) {
      if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
        breakers.connected(host, false); // nothing answers: its retries do not wait for a probe
      }
      if (!(e instanceof FetchExchange.OutOfTime)) {
        countError(host);
      }
      throw e;
    }
  }

  private static Duration left(FetchExchange.Budget budget) {
    Duration d = budget.remaining();
    return d == null || d.isNegative() ? Duration.ZERO : d;
  }

  private static boolean acquired(RateLimiter r) throws InterruptedException {
    r.acquire();
    return true;
  }

  private static boolean acquired(KeyedRateLimiter<String> r, String host)
      throws InterruptedException {
    r.acquire(host);
    return true;
  }

  private static String describe(IOException e, Duration timeout) {
    SSLException ssl = tls(e);
    if (ssl != null) {
      return "TLS error: " + ssl.getMessage();
    }
    return switch (e) {
      case HttpConnectTimeoutException _ -> "connect timed out";
      case FetchExchange.OutOfTime t -> String.valueOf(t.getMessage());
      case HttpTimeoutException _ -> "timed out after " + Durations.human(timeout);
      case FetchExchange.Stalled t -> String.valueOf(t.getMessage());
      case FetchExchange.TooManyRedirects t -> String.valueOf(t.getMessage());
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
      @Nullable String error,
      @Nullable String body) {
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
      if (body != null) {
        r.put("body", body);
      }
      sinks
          .results()
          .println(
              sinks.format() == FetchSinks.Format.CSV
                  ? Csv.line(FetchSinks.COLUMNS, r)
                  : Json.line(r));
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

  private @Nullable String saveBody(
      BodyFolder dir, long seq, String url, HttpResponse<byte[]> res) {
    try {
      dir.save(seq, url, res);
      return dir.body(seq).toString();
    } catch (IOException e) {
      fail("--bodies '" + dir.dir() + "': " + JobLog.reason(e));
      return null;
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
