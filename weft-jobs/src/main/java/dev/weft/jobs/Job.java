package dev.weft.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A durable job as stored: what to run, its state, its lease, and the error of every failed
 * attempt. A snapshot read from the store; it does not change when the stored job does.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param id the store's identifier
 * @param queue the queue it waits in
 * @param kind selects the handler
 * @param payload the payload as JSON text
 * @param priority higher runs first among due jobs
 * @param state where it is in its life
 * @param runAt when it becomes due
 * @param attempt attempts started so far
 * @param maxAttempts attempts allowed before it is dead
 * @param uniqueKey its key in the queue, if any
 * @param parents jobs that must succeed before this one runs
 * @param tags free labels
 * @param progress the last progress its handler reported, as JSON, if any
 * @param errors the failure of every failed attempt, oldest first
 * @param reason why it is dead or cancelled, if it is
 * @param leaseToken the token of the lease a worker holds on it, while running
 * @param leaseExpiresAt when that lease expires unless renewed, while running
 * @param workerId the worker holding the lease, while running
 * @param createdAt when it was enqueued
 * @param finishedAt when it reached a final state, if it did
 * @param rateKey the per-key rate bucket it spends from, if any
 * @param headers the metadata it was enqueued with ({@link NewJob#headers()}), empty if none
 */
public record Job(
    long id,
    String queue,
    String kind,
    String payload,
    int priority,
    JobState state,
    Instant runAt,
    int attempt,
    int maxAttempts,
    @Nullable String uniqueKey,
    List<Long> parents,
    List<String> tags,
    @Nullable String progress,
    List<JobError> errors,
    @Nullable String reason,
    @Nullable String leaseToken,
    @Nullable Instant leaseExpiresAt,
    @Nullable String workerId,
    Instant createdAt,
    @Nullable Instant finishedAt,
    @Nullable String rateKey,
    Map<String, String> headers) {

  /** Copies the lists and checks that required components are present. */
  public Job {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(runAt, "runAt");
    Objects.requireNonNull(createdAt, "createdAt");
    parents = List.copyOf(parents);
    tags = List.copyOf(tags);
    errors = List.copyOf(errors);
    headers = Map.copyOf(headers);
  }

  /** {@return the key that stays the same on every attempt of this job} */
  public String idempotencyKey() {
    return "weft-job-" + queue + "-" + id;
  }
}
