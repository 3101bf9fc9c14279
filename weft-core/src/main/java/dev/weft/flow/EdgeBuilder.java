package dev.weft.flow;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The settings shared by the builders of {@link Debouncer}, {@link Throttler}, {@link
 * KeyedDebouncer} and {@link KeyedThrottler}, with lodash's meaning. Not thread-safe.
 *
 * @param <B> the concrete builder
 */
abstract sealed class EdgeBuilder<B extends EdgeBuilder<B>> extends NamedBuilder<B>
    permits Debouncer.Builder, Throttler.Builder, KeyedDebouncer.Builder, KeyedThrottler.Builder {

  private final boolean throttle;
  final Duration wait;
  @Nullable Duration maxWait;
  boolean leading;
  boolean trailing = true;

  EdgeBuilder(Duration wait, boolean throttle, String name) {
    super(name);
    Objects.requireNonNull(wait, "wait");
    if (wait.isNegative()) {
      throw new IllegalArgumentException("wait must be >= 0, was " + wait);
    }
    this.wait = wait;
    this.throttle = throttle;
    this.leading = throttle;
  }

  /**
   * Sets whether to run on the leading edge: at once, at the first call of a burst (default: false
   * for a debouncer, true for a throttler).
   *
   * @param leading whether to run on the leading edge
   * @return this builder
   */
  public B leading(boolean leading) {
    this.leading = leading;
    return self();
  }

  /**
   * Sets whether to run on the trailing edge: when the wait has passed since the last call, with
   * the latest argument (default true). It runs only if there was a call since the last run.
   *
   * @param trailing whether to run on the trailing edge
   * @return this builder
   */
  public B trailing(boolean trailing) {
    this.trailing = trailing;
    return self();
  }

  /**
   * Sets the longest a call may be delayed by later calls (lodash's {@code maxWait}); a throttler's
   * is its wait and cannot be set.
   *
   * @param maxWait the most time between a first deferred call and a run, {@code >= wait}
   * @return this builder
   */
  B maxWaitChecked(Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.compareTo(wait) < 0) {
      throw new IllegalArgumentException("maxWait must be >= wait " + wait + ", was " + maxWait);
    }
    this.maxWait = maxWait;
    return self();
  }

  /** {@return the engine of a one-key debouncer or throttler, running {@code action}} */
  <T> Edges<String, T> engine(Consumer<? super T> action) {
    Objects.requireNonNull(action, "action");
    return engine((String key, T arg) -> action.accept(arg));
  }

  /** {@return the engine of a keyed debouncer or throttler, running {@code action}} */
  <K, T> Edges<K, T> engine(BiConsumer<? super K, ? super T> action) {
    if (!leading && !trailing) {
      throw new IllegalArgumentException(
          "leading and trailing must not both be false: the action would never run");
    }
    Duration max = throttle ? wait : maxWait;
    return new Edges<>(
        name,
        TimeSource.saturatedNanos(wait),
        max == null ? -1 : TimeSource.saturatedNanos(max),
        leading,
        trailing,
        time,
        Objects.requireNonNull(action, "action"));
  }
}
