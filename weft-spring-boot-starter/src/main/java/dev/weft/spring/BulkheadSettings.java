package dev.weft.spring;

import dev.weft.observe.Listener;
import dev.weft.policy.Bulkhead;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The {@code weft.bulkhead.<name>.*} properties and their binding to {@link Bulkhead.Builder}: the
 * one class that maps them, so a rename in weft's API is a change here only. Mutable JavaBean bound
 * by Spring.
 */
public class BulkheadSettings {

  /** Calls allowed at once. */
  private @Nullable Integer maxConcurrent;

  /** How long a call waits for room before it is rejected (default: not at all). */
  private @Nullable Duration maxWait;

  /**
   * {@return the bulkhead named {@code name} these settings describe}
   *
   * @throws IllegalArgumentException naming the property when a value is missing or out of range
   */
  Bulkhead build(String name, Listener listener) {
    return PolicyBinding.bind(
        "weft.bulkhead." + name,
        () -> {
          if (maxConcurrent == null) {
            throw new IllegalArgumentException("max-concurrent must be set");
          }
          Bulkhead.Builder b =
              Bulkhead.builder().name(name).listener(listener).maxConcurrent(maxConcurrent);
          if (maxWait != null) {
            b.maxWait(maxWait);
          }
          return b.build();
        });
  }

  public @Nullable Integer getMaxConcurrent() {
    return maxConcurrent;
  }

  public void setMaxConcurrent(@Nullable Integer maxConcurrent) {
    this.maxConcurrent = maxConcurrent;
  }

  public @Nullable Duration getMaxWait() {
    return maxWait;
  }

  public void setMaxWait(@Nullable Duration maxWait) {
    this.maxWait = maxWait;
  }
}
