package dev.weft.cli;

import dev.weft.observe.Listener;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.CircuitBreakerRegistry;
import dev.weft.policy.CircuitOpenException;
import dev.weft.policy.PolicyEvent;
import dev.weft.task.TaskFailedException;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The circuit breakers of {@code weft fetch}, one per host, and how the attempts of a URL meet
 * them. Thread-safe: one instance serves every request of a run.
 *
 * <p>Overview. A breaker opens when at least half of the host's last {@code --breaker-window}
 * requests (and at least {@code --breaker-min-calls} of them) failed (connect errors, timeouts,
 * 5xx), stays open for {@code --breaker-open}, then lets one probe through. A URL's first attempt
 * that meets an open breaker is refused at once, so a host that is down costs its URLs nothing. A
 * retry that meets it waits inside its attempt until the breaker half-opens, or until the probe in
 * flight ends, and then makes its request: the wait and the request are one attempt. The probe is
 * left to a URL whose own request failed while such a URL is running ({@code retrying}, per host):
 * its retry is what the breaker decides on. A host is judged down, and then nothing waits for it,
 * while its probe failed since its breaker last closed ({@code down}, kept by the breakers'
 * listener) or while its last request could not connect at all ({@code unreachable}). A retry also
 * stops waiting after two open periods, and no wait passes the URL's budget. The maps are
 * concurrent; a {@link Tries} is only touched by its URL's own thread.
 */
final class HostBreakers {

  /** How often a URL waiting on a half-open breaker looks whether its probe ended. */
  private static final Duration PROBE_POLL = Duration.ofMillis(20);

  /** What the attempts of one URL saw. Not thread-safe: kept by the URL's own thread. */
  static final class Tries {
    int count;
    int status;
    long bytes;
    boolean failedRequest; // counted in the host's retrying
  }

  private final CircuitBreakerRegistry breakers;
  private final TimeSource time;
  private final AtomicLong waits;
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  private final Set<String> unreachable = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> retrying = new ConcurrentHashMap<>();

  /**
   * @param trips counts each opening from closed
   * @param waits counts each wait for a probe
   */
  HostBreakers(FetchSettings settings, TimeSource time, AtomicLong trips, AtomicLong waits) {
    this.time = time;
    this.waits = waits;
    Listener states =
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
    this.breakers =
        CircuitBreakerRegistry.builder(host ->
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
                    .listener(states)
                    .build())
            .timeSource(time)
            .build();
  }

  /**
   * {@return whether a refusal of a host's breaker may be retried: not while the host is judged
   * down, nor when the breaker was opened by hand}
   */
  boolean waitable(Throwable e) {
    return e instanceof CircuitOpenException open
        && open.state() != CircuitBreaker.State.FORCED_OPEN
        && !down.contains(open.breakerName())
        && !unreachable.contains(open.breakerName());
  }

  /**
   * Makes one attempt of a URL through its host's breaker, waiting as the overview says.
   *
   * @param check runs before the request and after every wait; throws to stop the attempt
   * @param send the request
   * @return the response
   * @throws CircuitOpenException when the breaker refused and the attempt may not wait
   * @throws InterruptedException when interrupted while waiting
   */
  HttpResponse<byte[]> call(
      String host,
      Tries tried,
      FetchExchange.Budget budget,
      Runnable check,
      Callable<HttpResponse<byte[]>> send)
      throws InterruptedException {
    check.run();
    CircuitBreaker breaker = breakers.get(host);
    AtomicInteger probers = retrying.computeIfAbsent(host, h -> new AtomicInteger());
    int openPeriods = 0;
    while (true) {
      while (!tried.failedRequest
          && probers.get() > 0
          && breaker.state() == CircuitBreaker.State.HALF_OPEN
          && !budget.excludes(PROBE_POLL)) {
        waits.incrementAndGet();
        time.sleep(PROBE_POLL); // a retry probes the host: its outcome decides for this URL too
      }
      try {
        HttpResponse<byte[]> res = breaker.call(send);
        if (Fetcher.retryable(res.statusCode())) {
          failedRequest(tried, probers);
        }
        return res;
      } catch (TaskFailedException e) {
        if (Fetcher.ioFailure(e) != null) {
          failedRequest(tried, probers);
        }
        throw e;
      } catch (CircuitOpenException e) {
        boolean open = e.state() == CircuitBreaker.State.OPEN;
        Duration wait = open ? e.retryAfter().orElse(PROBE_POLL) : PROBE_POLL;
        wait = wait.isZero() ? PROBE_POLL : wait;
        if (tried.count == 1
            || !waitable(e)
            || (open && ++openPeriods > 2)
            || budget.excludes(wait)) {
          throw e;
        }
        waits.incrementAndGet();
        time.sleep(wait);
        check.run();
      }
    }
  }

  private static void failedRequest(Tries tried, AtomicInteger probers) {
    if (!tried.failedRequest) {
      tried.failedRequest = true;
      probers.incrementAndGet();
    }
  }

  /** Notes that a request to {@code host} connected (or not, when {@code connected} is false). */
  void connected(String host, boolean connected) {
    if (connected) {
      unreachable.remove(host);
    } else {
      unreachable.add(host);
    }
  }

  /** Notes that a URL of {@code host} ended, after the attempts {@code tried}. */
  void ended(String host, Tries tried) {
    if (tried.failedRequest) {
      retrying.computeIfAbsent(host, h -> new AtomicInteger()).decrementAndGet();
    }
  }
}
