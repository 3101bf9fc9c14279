package dev.weft.spring;

import dev.weft.policy.Backoff;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The {@code backoff.*} properties of a retry or a worker, and their binding to {@link Backoff}:
 * the one place that maps them, so a rename in weft's API is a change here only. Mutable JavaBean
 * bound by Spring.
 */
public class BackoffSettings {

  /** The shape of the delays. */
  public enum Type {
    /** The same delay every time: {@code initial}. */
    FIXED,
    /** {@code initial}, then {@code initial + step}, ... */
    LINEAR,
    /** {@code initial}, then times {@code factor} each attempt. */
    EXPONENTIAL
  }

  /** The jitter applied to each delay. */
  public enum Jitter {
    /** None: the delays exactly. */
    NONE,
    /** A random delay between zero and the computed one. */
    FULL,
    /** Half the computed delay plus a random half. */
    EQUAL
  }

  /** The shape of the delays. */
  private @Nullable Type type;

  /** The first delay. */
  private @Nullable Duration initial;

  /** The growth per attempt of an exponential backoff. */
  private @Nullable Double factor;

  /** The growth per attempt of a linear backoff. */
  private @Nullable Duration step;

  /** The longest delay. */
  private @Nullable Duration max;

  /** The jitter. */
  private @Nullable Jitter jitter;

  /** {@return whether any property was set} */
  boolean isSet() {
    return type != null
        || initial != null
        || factor != null
        || step != null
        || max != null
        || jitter != null;
  }

  /**
   * {@return the backoff these settings describe; unset values take the given defaults}
   *
   * @param defaultInitial the first delay when {@code initial} is unset
   * @param defaultFactor the growth when {@code factor} is unset
   * @param defaultJitter the jitter when {@code jitter} is unset
   */
  Backoff build(Duration defaultInitial, double defaultFactor, Jitter defaultJitter) {
    Duration first = initial != null ? initial : defaultInitial;
    Type t = type != null ? type : Type.EXPONENTIAL;
    Backoff b =
        switch (t) {
          case FIXED -> Backoff.fixed(first);
          case LINEAR -> Backoff.linear(first, step != null ? step : first);
          case EXPONENTIAL -> Backoff.exponential(first, factor != null ? factor : defaultFactor);
        };
    if (max != null) {
      b = b.max(max);
    }
    return switch (jitter != null ? jitter : defaultJitter) {
      case NONE -> b;
      case FULL -> b.fullJitter();
      case EQUAL -> b.equalJitter();
    };
  }

  public @Nullable Type getType() {
    return type;
  }

  public void setType(@Nullable Type type) {
    this.type = type;
  }

  public @Nullable Duration getInitial() {
    return initial;
  }

  public void setInitial(@Nullable Duration initial) {
    this.initial = initial;
  }

  public @Nullable Double getFactor() {
    return factor;
  }

  public void setFactor(@Nullable Double factor) {
    this.factor = factor;
  }

  public @Nullable Duration getStep() {
    return step;
  }

  public void setStep(@Nullable Duration step) {
    this.step = step;
  }

  public @Nullable Duration getMax() {
    return max;
  }

  public void setMax(@Nullable Duration max) {
    this.max = max;
  }

  public @Nullable Jitter getJitter() {
    return jitter;
  }

  public void setJitter(@Nullable Jitter jitter) {
    this.jitter = jitter;
  }
}
