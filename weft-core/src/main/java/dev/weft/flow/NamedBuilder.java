package dev.weft.flow;

import dev.weft.time.TimeSource;
import java.util.Objects;

/**
 * The settings every builder of this package has: a name and a time source, each validated when
 * set. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract sealed class NamedBuilder<B extends NamedBuilder<B>> permits FlowBuilder, EdgeBuilder {

  String name;
  TimeSource time = TimeSource.system();

  NamedBuilder(String name) {
    this.name = name;
  }

  @SuppressWarnings("unchecked")
  final B self() {
    return (B) this;
  }

  /**
   * Sets the name used in messages, events and thread names.
   *
   * @param name the name, not blank
   * @return this builder
   */
  public final B name(String name) {
    this.name = Names.check(name);
    return self();
  }

  /**
   * Sets the time source that timed waits run on and that latency is measured on.
   *
   * @param time the time source
   * @return this builder
   */
  public final B timeSource(TimeSource time) {
    this.time = Objects.requireNonNull(time, "time");
    return self();
  }

  /** {@return {@code value}} @throws IllegalArgumentException naming {@code what} if it is < 1 */
  static int atLeastOne(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, was " + value);
    }
    return value;
  }
}
