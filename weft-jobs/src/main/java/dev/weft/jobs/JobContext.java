package dev.weft.jobs;

import java.time.Instant;
import java.util.Objects;

/**
 * What a {@link JobHandler} gets: the job, its attempt, a stable idempotency key, its payload, and
 * a way to report progress. One context per attempt; use it from the handler's thread (progress may
 * be reported from any thread).
 */
public interface JobContext {

  /** {@return the job as claimed} */
  Job job();

  /** {@return this attempt's number, from 1; it grows on retries and after a crash} */
  int attempt();

  /** {@return the claim that took this job for this attempt} */
  Claim claim();

  /**
   * {@return a key that is the same on every attempt of this job and differs between jobs: pass it
   * to external systems that deduplicate requests}
   */
  String idempotencyKey();

  /**
   * Reads the JSON payload as {@code type}.
   *
   * @param type the class to bind the payload to (Jackson)
   * @param <T> the payload type
   * @return the payload
   * @throws UnreadablePayloadException if the payload cannot be read as {@code type}; a handler
   *     that lets it escape makes the job dead at once with that message
   */
  <T> T payload(Class<T> type);

  /**
   * Records progress, written to the job with the next lease renewal (not one write per call).
   *
   * @param value any value Jackson can write, such as a map or a record
   */
  void progress(Object value);

  /**
   * One claim of a worker: the store was asked for due jobs at {@code asked} and answered at {@code
   * answered} (wall time of the worker's time source) with {@code jobs} jobs, this one among them.
   * Jobs claimed together share it. Tracing makes it the {@code receive} span of each job, and
   * records its duration once, with the run of {@code firstJob}.
   *
   * @param asked when the worker asked the store
   * @param answered when the store answered
   * @param firstJob the id of the first job the claim took
   * @param jobs how many jobs the claim took, at least 1
   */
  record Claim(Instant asked, Instant answered, long firstJob, int jobs) {

    /** Checks that the claim is in order. */
    public Claim {
      Objects.requireNonNull(asked, "asked");
      Objects.requireNonNull(answered, "answered");
      if (answered.isBefore(asked)) {
        throw new IllegalArgumentException("answered " + answered + " before asked " + asked);
      }
      if (jobs < 1) {
        throw new IllegalArgumentException("jobs must be at least 1: " + jobs);
      }
    }
  }
}
