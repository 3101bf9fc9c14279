package dev.weft.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The failure of one attempt of a durable job, kept with the job for ever (until it is purged):
 * when, which attempt, how long it ran, the exception type, its message and its stack trace.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param at when the attempt failed (wall time of the worker that recorded it)
 * @param attempt the attempt that failed, from 1
 * @param type the exception's class name, or a weft reason such as {@code LeaseExpired}
 * @param message the exception's message, empty when it had none
 * @param trace the stack trace as text, empty when there is none
 * @param took how long the attempt ran, from its start on the worker to its failure; null when not
 *     known (a lease that expired, or a failure recorded by a weft before it kept this)
 */
public record JobError(
    Instant at, int attempt, String type, String message, String trace, @Nullable Duration took) {

  /** Checks that no component but {@code took} is null. */
  public JobError {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(trace, "trace");
  }
}
