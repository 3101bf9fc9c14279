package dev.weft.queue;

/**
 * How urgent a {@link TaskQueue} task is: a queue always starts the oldest task of the highest
 * priority waiting (FIFO within a priority).
 */
public enum Priority {
  /** Before everything else. */
  HIGHEST,
  /** Before normal tasks. */
  HIGH,
  /** The default. */
  NORMAL,
  /** After normal tasks. */
  LOW,
  /** Only when nothing else waits. */
  LOWEST;

  /** {@return the index of {@code p}'s deque: 0 for {@link #HIGHEST}} */
  @SuppressWarnings("EnumOrdinal") // the declaration order is the priority order, by contract
  static int rank(Priority p) {
    return p.ordinal();
  }
}
