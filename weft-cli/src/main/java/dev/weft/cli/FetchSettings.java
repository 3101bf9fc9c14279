package dev.weft.cli;

import dev.weft.policy.Backoff;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** What {@code weft fetch} was asked to do. Immutable. */
record FetchSettings(
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
    boolean http1,
    Limits limits) {
  FetchSettings {
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

  /**
   * The bounds of {@code weft fetch} beyond tries and timeouts; null members are off. Immutable.
   *
   * @param maxErrorsPerHost a host's remaining URLs are skipped after this many failed requests
   * @param stall stall detection ({@code --min-speed}, {@code --min-speed-time})
   * @param maxTime the time each URL may take, its retries and waits included
   * @param deadline the time the whole run may take
   * @param delayFrom with {@code delayTo}: a random wait before each request
   * @param delayTo the longest random wait
   * @param maxRedirects redirects followed per request, at least 0
   */
  record Limits(
      @Nullable Integer maxErrorsPerHost,
      FetchExchange.@Nullable Stall stall,
      @Nullable Duration maxTime,
      @Nullable Duration deadline,
      @Nullable Duration delayFrom,
      @Nullable Duration delayTo,
      int maxRedirects) {
    /** No bounds; redirects followed up to 5 times, as the JDK's client does. */
    static final Limits NONE = new Limits(null, null, null, null, null, null, 5);

    Limits {
      if (maxErrorsPerHost != null && maxErrorsPerHost < 1) {
        throw new BadInput("--max-errors-per-host must be >= 1, was " + maxErrorsPerHost);
      }
      if (maxRedirects < 0 || maxRedirects > 1000) {
        throw new BadInput("--max-redirects must be in [0, 1000], was " + maxRedirects);
      }
      if ((delayFrom == null) != (delayTo == null)) {
        throw new IllegalArgumentException("delayFrom and delayTo come together");
      }
    }
  }
}
