package dev.weft.time;

import java.time.Duration;
import java.util.Objects;

/**
 * A point in time on a {@link TimeSource}, after which work should stop. Deadlines nest by taking
 * the {@linkplain #earlier(Deadline) earlier} of two; {@link #never()} is later than every other.
 *
 * <p>Immutable and thread-safe.
 *
 * {@snippet :
 * Deadline deadline = Deadline.after(Duration.ofSeconds(2));
 * statement.setQueryTimeout((int) Math.max(1, deadline.remaining().toSeconds()));
 * }
 */
public final class Deadline implements Comparable<Deadline> {

  private static final Deadline NEVER = new Deadline(TimeSource.system(), Long.MAX_VALUE, true);

  private final TimeSource time;
  private final long at;
  private final boolean never;

  private Deadline(TimeSource time, long at, boolean never) {
    this.time = time;
    this.at = at;
    this.never = never;
  }

  /** {@return a deadline {@code timeout} from now on the system clock} */
  public static Deadline after(Duration timeout) {
    return after(timeout, TimeSource.system());
  }

  /** {@return a deadline {@code timeout} from now on {@code time}} */
  public static Deadline after(Duration timeout, TimeSource time) {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(time, "time");
    return new Deadline(time, time.readAfter(timeout), false);
  }

  /** {@return the deadline that never passes} */
  public static Deadline never() {
    return NEVER;
  }

  /** {@return whether this deadline never passes} */
  public boolean isNever() {
    return never;
  }

  /** {@return the time source this deadline is measured on} */
  public TimeSource timeSource() {
    return time;
  }

  /**
   * {@return the ticker reading at which this deadline passes ({@code Long.MAX_VALUE} for never)}
   */
  public long ticks() {
    return at;
  }

  /** {@return whether the deadline has passed} */
  public boolean isExpired() {
    return !never && time.read() - at >= 0;
  }

  /**
   * {@return the time left, {@link Duration#ZERO} once passed; for {@link #never()} a duration so
   * long that nothing waits for it}
   */
  public Duration remaining() {
    if (never) {
      return Duration.ofNanos(Long.MAX_VALUE);
    }
    long left = at - time.read();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  /** {@return the earlier of this deadline and {@code other}: the nesting rule} */
  public Deadline earlier(Deadline other) {
    return compareTo(other) <= 0 ? this : other;
  }

  /** {@return a deadline {@code timeout} from now, or this one if it is earlier} */
  public Deadline within(Duration timeout) {
    return earlier(after(timeout, never ? TimeSource.system() : time));
  }

  /**
   * Compares by when the deadlines pass. Deadlines on different time sources compare by remaining
   * time.
   */
  @Override
  public int compareTo(Deadline other) {
    if (never || other.never) {
      return Boolean.compare(never, other.never);
    }
    if (time.equals(other.time)) {
      return Long.compare(at - time.read(), other.at - time.read());
    }
    return remaining().compareTo(other.remaining());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Deadline d && d.never == never && d.at == at && d.time.equals(time);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(at) * 31 + Boolean.hashCode(never);
  }

  @Override
  public String toString() {
    return never ? "Deadline[never]" : "Deadline[in " + remaining() + "]";
  }
}
