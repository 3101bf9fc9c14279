package dev.weft.jobs;

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
}
