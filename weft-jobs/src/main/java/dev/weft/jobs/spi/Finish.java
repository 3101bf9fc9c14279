package dev.weft.jobs.spi;

import dev.weft.jobs.JobError;
import dev.weft.jobs.JobState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A fenced move of a running job out of {@link JobState#RUNNING}: applied only while the job is
 * still running under {@code leaseToken}, so a worker whose lease was reclaimed changes nothing.
 *
 * @param id the job
 * @param leaseToken the token of the lease the writer holds
 * @param to {@code SUCCEEDED}, {@code RETRYING}, {@code SCHEDULED} (snoozed), {@code AVAILABLE}
 *     (released) or {@code DEAD}
 * @param runAt when it is due again (ignored for final states)
 * @param attempt the attempt count to store (one less than now when the attempt does not count)
 * @param errors the complete error history to store
 * @param reason why it is dead, if it is
 * @param progress progress to store as JSON, or {@code null} to keep what is stored
 */
public record Finish(
    long id,
    String leaseToken,
    JobState to,
    Instant runAt,
    int attempt,
    List<JobError> errors,
    @Nullable String reason,
    @Nullable String progress) {

  /** Validates the target state and copies the errors. */
  public Finish {
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(runAt, "runAt");
    if (!JobState.RUNNING.canMoveTo(to) || to == JobState.CANCELLED) {
      throw new IllegalArgumentException("to must be a state a running job finishes in, was " + to);
    }
    errors = List.copyOf(errors);
  }

  /** A finish that keeps the stored progress. */
  public Finish(
      long id,
      String leaseToken,
      JobState to,
      Instant runAt,
      int attempt,
      List<JobError> errors,
      @Nullable String reason) {
    this(id, leaseToken, to, runAt, attempt, errors, reason, null);
  }

  /** {@return a copy that stores {@code progress} too} */
  public Finish withProgress(@Nullable String progress) {
    return new Finish(id, leaseToken, to, runAt, attempt, errors, reason, progress);
  }
}
