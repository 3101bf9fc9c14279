package dev.weft.queue;

import java.io.Serial;
import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown by {@link TaskQueue#submit} under {@link Overflow#REJECT} when the queue holds its
 * capacity: {@code queue 'emails' is full (10000 of 10000 waiting); task rejected}. Unchecked.
 */
public final class QueueFullException extends RejectedExecutionException {

  @Serial private static final long serialVersionUID = 1L;

  QueueFullException(String queue, int capacity) {
    super(
        "queue '"
            + queue
            + "' is full ("
            + capacity
            + " of "
            + capacity
            + " waiting); task rejected");
  }
}
