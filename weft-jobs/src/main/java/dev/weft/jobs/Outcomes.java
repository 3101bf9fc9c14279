package dev.weft.jobs;

import dev.weft.jobs.spi.Finish;
import dev.weft.policy.Backoff;
import dev.weft.time.TimeSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Turns what happened to a claimed job (a typed outcome, an exception, an unknown kind, an expired
 * lease) into the fenced {@link Finish} a {@link Worker} writes: the next state, when it runs again
 * (the worker's {@link Backoff}), and its error history. Pure apart from reading the wall time;
 * thread-safe when the random generator is (the worker's is used by every handler thread).
 */
final class Outcomes {

  private final TimeSource time;
  private final Backoff backoff;
  private final RandomGenerator random;

  Outcomes(TimeSource time, Backoff backoff, RandomGenerator random) {
    this.time = time;
    this.backoff = backoff;
    this.random = random;
  }

  /** {@return the fenced move a handler's typed outcome asks for} */
  Finish of(Job job, JobOutcome o, @Nullable Instant started) {
    Instant now = time.wallTime();
    return switch (o) {
      case JobOutcome.Success s ->
          new Finish(
              job.id(), token(job), JobState.SUCCEEDED, now, job.attempt(), job.errors(), null);
      case JobOutcome.Snooze s ->
          new Finish(
              job.id(),
              token(job),
              JobState.SCHEDULED,
              now.plus(s.delay()),
              job.attempt() - 1,
              job.errors(),
              null);
      case JobOutcome.Retry r -> failed(job, null, r, started);
      case JobOutcome.GiveUp g -> dead(job, "GiveUp", g.reason(), "", started);
    };
  }

  static String token(Job job) {
    return Objects.requireNonNull(job.leaseToken(), "claimed job has a lease token");
  }

  /** {@return the move to dead, with this failure added to the history} */
  Finish dead(Job job, String type, String message, String trace, @Nullable Instant started) {
    Instant now = time.wallTime();
    List<JobError> errors = new ArrayList<>(job.errors());
    errors.add(new JobError(now, job.attempt(), type, message, trace, took(started, now)));
    return new Finish(
        job.id(), token(job), JobState.DEAD, now, job.attempt(), errors, type + ": " + message);
  }

  /** {@return the move to retrying after the backoff, or to dead when attempts are spent} */
  Finish failed(
      Job job, @Nullable Exception e, JobOutcome.@Nullable Retry retry, @Nullable Instant started) {
    Instant now = time.wallTime();
    String type = e != null ? e.getClass().getName() : "Retry";
    String message =
        e != null ? String.valueOf(e.getMessage()) : retry == null ? "" : retry.reason();
    List<JobError> errors = new ArrayList<>(job.errors());
    errors.add(
        new JobError(
            now, job.attempt(), type, message, e == null ? "" : trace(e), took(started, now)));
    if (job.attempt() >= job.maxAttempts()) {
      return new Finish(
          job.id(),
          token(job),
          JobState.DEAD,
          now,
          job.attempt(),
          errors,
          "attempt "
              + job.attempt()
              + " of "
              + job.maxAttempts()
              + " failed: "
              + type
              + ": "
              + message);
    }
    Duration delay = retry != null ? retry.delay() : backoff.delay(job.attempt(), random);
    return new Finish(
        job.id(), token(job), JobState.RETRYING, now.plus(delay), job.attempt(), errors, null);
  }

  /** {@return the time from {@code started} to {@code now}, or null when the start is unknown} */
  private static @Nullable Duration took(@Nullable Instant started, Instant now) {
    return started == null
        ? null
        : Duration.between(started, now).isNegative()
            ? Duration.ZERO
            : Duration.between(started, now);
  }

  static String trace(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    String s = w.toString();
    return s.length() > 8000 ? s.substring(0, 8000) + "\n\t... (trace cut at 8000 chars)" : s;
  }

  /**
   * {@return the move of a job whose lease expired, found by worker {@code rescuer}: a failed
   * attempt recorded as {@code LeaseExpired}}
   */
  Finish rescued(Job job, String rescuer) {
    RuntimeException e =
        new IllegalStateException(
            "lease of worker "
                + job.workerId()
                + " on job "
                + job.id()
                + " expired at "
                + job.leaseExpiresAt()
                + " (the worker crashed, stalled or was cut off); rescued by "
                + rescuer);
    Finish f = failed(job, e, null, null);
    List<JobError> errors = new ArrayList<>(f.errors());
    JobError last = errors.removeLast();
    errors.add(new JobError(last.at(), last.attempt(), "LeaseExpired", last.message(), "", null));
    return new Finish(f.id(), f.leaseToken(), f.to(), f.runAt(), f.attempt(), errors, f.reason());
  }
}
