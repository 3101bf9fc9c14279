package dev.weft.jobs;

import dev.weft.observe.Event;

/**
 * What a {@link Worker} did; {@code source()} is the worker's id. Immutable values, safe to hand to
 * other threads.
 */
public sealed interface JobEvent extends Event {

  /**
   * The worker claimed jobs.
   *
   * @param source the worker's id
   * @param count how many jobs it claimed in one statement
   */
  record Claimed(String source, int count) implements JobEvent {}

  /**
   * A job's outcome was written (or found fenced off).
   *
   * @param source the worker's id
   * @param jobId the job
   * @param kind its kind
   * @param state the state written
   * @param attempt the attempt that ran
   * @param applied false when the lease had been lost and nothing was written
   */
  record Finished(
      String source, long jobId, String kind, JobState state, int attempt, boolean applied)
      implements JobEvent {}

  /**
   * A running job's lease was found lost on renewal; its handler was interrupted and its result
   * will be dropped.
   *
   * @param source the worker's id
   * @param jobId the job
   */
  record LeaseLost(String source, long jobId) implements JobEvent {}

  /**
   * The rescuer moved a job whose lease expired (its worker crashed or was cut off).
   *
   * @param source the id of the worker that rescued it
   * @param jobId the job
   * @param state {@code RETRYING} or {@code DEAD}
   */
  record Rescued(String source, long jobId, JobState state) implements JobEvent {}

  /**
   * A store operation failed; the worker retries it after its poll interval.
   *
   * @param source the worker's id
   * @param operation what the worker was doing
   * @param message the store's message
   */
  record StoreFailed(String source, String operation, String message) implements JobEvent {}
}
