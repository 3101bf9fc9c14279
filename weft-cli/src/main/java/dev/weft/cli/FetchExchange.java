package dev.weft.cli;

import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One exchange of {@code weft fetch}: sends a request, follows its redirects up to a limit, and
 * reads the whole body, within the request timeout, the URL's time budget and, when asked, a
 * minimum speed. Stateless apart from the shared client; thread-safe.
 *
 * <p>Overview: the client never follows redirects itself ({@link HttpClient.Redirect#NEVER}), so
 * that the limit is this run's: each hop is one {@link HttpClient#sendAsync} whose future is
 * awaited in slices. Each slice ends at the earliest of the request timeout, the budget's deadline
 * and the next speed check; at a speed check, the bytes that arrived since the last one are
 * compared with {@code bytesPerSecond * over}. Whatever ends the wait cancels the exchange, which
 * closes its connection.
 */
final class FetchExchange {

  /**
   * Stall detection: an exchange that receives fewer than {@code bytesPerSecond} bytes a second
   * over a span of {@code over} fails as stalled. Immutable.
   *
   * @param bytesPerSecond the minimum speed, > 0
   * @param over the span it is judged over, > 0
   */
  record Stall(long bytesPerSecond, Duration over) {}

  /**
   * The time a URL may still take, and the flag that set it. Immutable.
   *
   * @param deadline when the URL's time is up
   * @param flag {@code --max-time 10s} or {@code --deadline 1m}, for the message
   */
  record Budget(Deadline deadline, String flag) {
    static final Budget NONE = new Budget(Deadline.never(), "");

    /** {@return the time left, or null when there is no bound} */
    @Nullable Duration remaining() {
      return deadline.isNever() ? null : deadline.remaining();
    }

    /** {@return whether {@code wait} would end after the deadline} */
    boolean excludes(Duration wait) {
      Duration left = remaining();
      return left != null && left.compareTo(wait) <= 0;
    }

    /** {@return the failure of a URL whose time is up} */
    OutOfTime passed() {
      return new OutOfTime(flag + " passed");
    }
  }

  /** A URL's time budget ran out: not retried. */
  static final class OutOfTime extends HttpTimeoutException {
    private static final long serialVersionUID = 1L;

    OutOfTime(String message) {
      super(message);
    }
  }

  /** The transfer was slower than {@code --min-speed} for {@code --min-speed-time}. */
  static final class Stalled extends IOException {
    private static final long serialVersionUID = 1L;

    Stalled(String message) {
      super(message);
    }
  }

  /** The response redirected more often than {@code --max-redirects} allows: not retried. */
  static final class TooManyRedirects extends IOException {
    private static final long serialVersionUID = 1L;

    TooManyRedirects(String message) {
      super(message);
    }
  }

  private final HttpClient client;
  private final TimeSource time;
  private final int maxRedirects;
  private final @Nullable Stall stall;

  FetchExchange(HttpClient client, TimeSource time, int maxRedirects, @Nullable Stall stall) {
    this.client = client;
    this.time = time;
    this.maxRedirects = maxRedirects;
    this.stall = stall;
  }

  /**
   * {@return the final response to {@code request}, its redirects followed}
   *
   * @throws HttpTimeoutException when a hop took longer than {@code timeout}
   * @throws OutOfTime when the budget ran out
   * @throws Stalled when a hop was slower than the minimum speed
   * @throws TooManyRedirects when there were more than {@code --max-redirects} redirects
   */
  HttpResponse<byte[]> send(HttpRequest request, Duration timeout, Budget budget)
      throws IOException, InterruptedException {
    HttpRequest current = request;
    for (int hop = 0; ; hop++) {
      HttpResponse<byte[]> res = hop(current, timeout, budget);
      Optional<String> location = res.headers().firstValue("Location");
      if (!isRedirect(res.statusCode()) || location.isEmpty()) {
        return res;
      }
      URI next;
      try {
        next = current.uri().resolve(location.get().trim());
      } catch (IllegalArgumentException e) {
        return res; // a Location that is no URI: the redirect itself is the answer
      }
      String scheme = next.getScheme();
      if (scheme == null
          || !(scheme.equals("http") || scheme.equals("https"))
          || (current.uri().getScheme().equals("https") && scheme.equals("http"))) {
        return res; // never from https down to http, as the JDK's NORMAL policy
      }
      if (hop >= maxRedirects) {
        throw new TooManyRedirects("more than " + maxRedirects + " redirects (--max-redirects)");
      }
      current = redirected(current, next, res.statusCode());
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** 303, and 301/302 after a POST, turn into a GET without a body; 307 and 308 keep both. */
  private static HttpRequest redirected(HttpRequest from, URI to, int status) {
    HttpRequest.Builder b = HttpRequest.newBuilder(from, (name, value) -> true).uri(to);
    if (status == 303 || ((status == 301 || status == 302) && from.method().equals("POST"))) {
      b.method("GET", HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  private HttpResponse<byte[]> hop(HttpRequest request, Duration timeout, Budget budget)
      throws IOException, InterruptedException {
    AtomicLong received = new AtomicLong();
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(
            request, info -> new Counting(HttpResponse.BodySubscribers.ofByteArray(), received));
    long timeoutAt = time.readAfter(timeout);
    Stall s = stall;
    long nextCheck = s == null ? Long.MAX_VALUE : time.readAfter(s.over());
    long bytesAtCheck = 0;
    try {
      while (true) {
        long now = time.read();
        Duration left = budget.remaining();
        if (left != null && !left.isPositive()) {
          throw budget.passed();
        }
        if (now - timeoutAt >= 0) {
          throw new HttpTimeoutException("request timed out");
        }
        if (s != null && now - nextCheck >= 0) {
          long got = received.get() - bytesAtCheck;
          if (got < s.bytesPerSecond() * s.over().toNanos() / 1_000_000_000L) {
            throw new Stalled(
                "stalled: under "
                    + s.bytesPerSecond()
                    + " bytes/s for "
                    + Durations.human(s.over())
                    + " (--min-speed)");
          }
          bytesAtCheck += got;
          nextCheck = time.readAfter(s.over());
          continue;
        }
        long slice = Math.min(timeoutAt - now, nextCheck - now);
        if (left != null) {
          slice = Math.min(slice, left.toNanos());
        }
        try {
          return exchange.get(Math.max(1, slice), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          // a slice ended: the loop decides which bound passed
        }
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
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

  /** Counts the bytes of a body as they arrive, for the speed checks. */
  private static final class Counting implements HttpResponse.BodySubscriber<byte[]> {
    private final HttpResponse.BodySubscriber<byte[]> body;
    private final AtomicLong received;

    Counting(HttpResponse.BodySubscriber<byte[]> body, AtomicLong received) {
      this.body = body;
      this.received = received;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      body.onSubscribe(subscription);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      long n = 0;
      for (ByteBuffer b : item) {
        n += b.remaining();
      }
      received.addAndGet(n);
      body.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
      body.onError(throwable);
    }

    @Override
    public void onComplete() {
      body.onComplete();
    }
  }
}
