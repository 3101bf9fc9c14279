package dev.weft.spring;

import dev.weft.observe.Listener;
import dev.weft.policy.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code weft.retry.<name>.*} properties and their binding to {@link Retry.Builder}: the one
 * class that maps them, so a rename in weft's API is a change here only. Unset values keep weft's
 * defaults. Mutable JavaBean bound by Spring.
 */
public class RetrySettings {

  /** Attempts in all, the first included. */
  private @Nullable Integer maxAttempts;

  /** The longest time all attempts and delays may take. */
  private @Nullable Duration maxDuration;

  /** The delays between attempts (default: exponential from 100ms, x2, full jitter). */
  private BackoffSettings backoff = new BackoffSettings();

  /** Exception types to retry on (default: every exception). */
  private List<Class<? extends Throwable>> retryOn = new ArrayList<>();

  /** Exception types that stop retrying at once. */
  private List<Class<? extends Throwable>> abortOn = new ArrayList<>();

  /**
   * {@return the retry named {@code name} these settings describe}
   *
   * @throws IllegalArgumentException naming the property when a value is out of range
   */
  @SuppressWarnings({"unchecked", "rawtypes"}) // arrays of the bound class lists
  Retry<Object> build(String name, Listener listener) {
    return PolicyBinding.bind(
        "weft.retry." + name,
        () -> {
          Retry.Builder<Object> b = Retry.builder().name(name).listener(listener);
          if (maxAttempts != null) {
            b.maxAttempts(maxAttempts);
          }
          if (maxDuration != null) {
            b.maxDuration(maxDuration);
          }
          if (backoff.isSet()) {
            b.backoff(backoff.build(Duration.ofMillis(100), 2.0, BackoffSettings.Jitter.FULL));
          }
          if (!retryOn.isEmpty()) {
            b.retryOn(retryOn.toArray(new Class[0]));
          }
          if (!abortOn.isEmpty()) {
            b.abortOn(abortOn.toArray(new Class[0]));
          }
          return b.build();
        });
  }

  public @Nullable Integer getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(@Nullable Integer maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public @Nullable Duration getMaxDuration() {
    return maxDuration;
  }

  public void setMaxDuration(@Nullable Duration maxDuration) {
    this.maxDuration = maxDuration;
  }

  public BackoffSettings getBackoff() {
    return backoff;
  }

  public void setBackoff(BackoffSettings backoff) {
    this.backoff = backoff;
  }

  public List<Class<? extends Throwable>> getRetryOn() {
    return retryOn;
  }

  public void setRetryOn(List<Class<? extends Throwable>> retryOn) {
    this.retryOn = retryOn;
  }

  public List<Class<? extends Throwable>> getAbortOn() {
    return abortOn;
  }

  public void setAbortOn(List<Class<? extends Throwable>> abortOn) {
    this.abortOn = abortOn;
  }
}
