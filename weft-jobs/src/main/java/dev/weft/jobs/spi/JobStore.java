package dev.weft.jobs.spi;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobFilter;
import dev.weft.jobs.JobPage;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.QueueLimits;
import dev.weft.jobs.Throughput;
import dev.weft.jobs.WorkerInfo;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where durable jobs live: the driver between the queue logic ({@code JobQueue}, {@code Worker})
 * and one database. weft ships two, SQLite and PostgreSQL, both held to one conformance suite
 * ({@code JobStoreContract} in the tests).
 *
 * <p>Contract every implementation keeps:
 *
 * <ul>
 *   <li>Thread-safe; one instance is shared by every worker of a process, and many processes may
 *       share one database.
 *   <li>Time is passed in ({@code now}) by the caller, never read by the store, so tests drive it.
 *   <li>{@link #claim} never hands one job to two callers while its lease holds, and respects the
 *       queue's {@link QueueLimits} across every process.
 *   <li>{@link #finish} and {@link #renew} change a job only if it is still running under the given
 *       token (fencing).
 *   <li>Enqueuing under a unique key already in the queue returns the existing job, also when two
 *       callers race.
 *   <li>{@link #claim} never claims from a queue that {@link #pause} paused, from the moment {@code
 *       pause} returns until {@link #resume} is called (by any process).
 *   <li>Every method may throw {@link dev.weft.jobs.JobStoreException}; none retries by itself.
 * </ul>
 */
public interface JobStore extends AutoCloseable {

  /** {@return a name for messages, such as {@code sqlite:/tmp/state.db}} */
  String name();

  /**
   * Creates or upgrades the schema to this version of weft; idempotent and safe when several
   * processes call it at once.
   */
  void migrate();

  /**
   * Enqueues jobs in one transaction of the store's own.
   *
   * @param jobs the jobs, in order
   * @param now the current time
   * @return one result per job, in order
   */
  List<Enqueued> enqueue(List<NewJob> jobs, Instant now);

  /**
   * Enqueues jobs inside the caller's transaction: they become visible when, and only if, the
   * caller commits. The store does not commit, roll back or close {@code tx}.
   *
   * @param tx the caller's connection to the same database, auto-commit off
   * @param jobs the jobs, in order
   * @param now the current time
   * @return one result per job, in order
   */
  List<Enqueued> enqueue(Connection tx, List<NewJob> jobs, Instant now);

  /**
   * Claims up to {@code max} due jobs of {@code queue} (highest priority first, then earliest due),
   * moving them to running under one new lease token and counting an attempt.
   *
   * @return the claimed jobs, possibly none
   */
  List<Job> claim(String queue, String workerId, int max, Duration lease, Instant now);

  /**
   * Extends leases to {@code now + lease} and stores progress.
   *
   * @return the ids of the jobs whose lease was lost (no longer running under the token)
   */
  Set<Long> renew(List<Lease> leases, Duration lease, Instant now);

  /**
   * Applies fenced moves out of running in one transaction; a job that dies cancels every
   * unfinished descendant with a reason naming it.
   *
   * @return the ids of the moves that applied; the others had lost their lease
   */
  Set<Long> finish(List<Finish> finishes, Instant now);

  /** {@return up to {@code limit} running jobs whose lease expired before {@code now}} */
  List<Job> expired(Instant now, int limit);

  /** {@return the job with its history, if it exists} */
  Optional<Job> job(long id);

  /** {@return up to {@code limit} jobs of {@code queue} in {@code state}, oldest id first} */
  List<Job> jobs(String queue, JobState state, int limit);

  /** {@return the number of jobs per queue and state; states with none are left out} */
  Map<String, Map<JobState, Long>> counts();

  /** {@return whether {@code queue} holds a job that is not final (cheap: uses the hot indexes)} */
  boolean hasUnfinished(String queue);

  /** {@return how many jobs of {@code queue} succeeded at or after {@code since}} */
  long succeededSince(String queue, Instant since);

  /**
   * Moves dead or cancelled jobs back to available with their attempts reset (history kept).
   *
   * @param queue the queue
   * @param id one job, or {@code null} for every dead job of the queue
   * @return how many jobs moved
   */
  int retry(String queue, @Nullable Long id, Instant now);

  /**
   * Deletes dead jobs.
   *
   * @param queue the queue
   * @param id one job, or {@code null} for every dead job of the queue
   * @return how many jobs were deleted
   */
  int discard(String queue, @Nullable Long id);

  /**
   * {@return how many succeeded, dead or cancelled jobs finished before {@code before} it deleted}
   */
  int purge(Instant before);

  /** Records a worker's heartbeat, creating its row the first time. */
  void heartbeat(WorkerInfo worker);

  /** Forgets a worker that stopped. */
  void removeWorker(String workerId);

  /** {@return every worker the store knows, most recent heartbeat first} */
  List<WorkerInfo> workers();

  /** Sets (or with {@code null} removes) the global limits of {@code queue}. */
  void limits(String queue, @Nullable QueueLimits limits);

  /** {@return the global limits of {@code queue}, if set} */
  Optional<QueueLimits> limits(String queue);

  /**
   * Asks to be told when jobs may have become available in {@code queue}: the store calls {@code
   * wake} (coalesced, maybe spuriously, never while holding a lock) after enqueues, including those
   * of other processes where the database can tell. Polling stays the fallback.
   *
   * @return a handle whose {@code close} ends the subscription
   */
  AutoCloseable subscribe(String queue, Runnable wake);

  /**
   * Wakes the subscribers of {@code queue} as an enqueue would, without enqueuing anything: for
   * jobs that became available another way, such as the leases a closing worker gives back.
   * Subscribers in this process are woken before it returns; those of other processes too where the
   * database can tell (PostgreSQL sends a {@code NOTIFY}), else they find the jobs at their next
   * poll.
   *
   * <p>Returns once the wake-up is sent; throws {@link dev.weft.jobs.JobStoreException} if the
   * database cannot be told (local subscribers are then not woken either).
   *
   * @param queue the queue whose subscribers to wake
   */
  void wake(String queue);

  /**
   * Pauses {@code queue}: from when this returns, no claim of any process takes a job from it
   * (running jobs finish as usual; enqueues still go in). Idempotent: pausing a paused queue keeps
   * its first pause time.
   */
  void pause(String queue, Instant now);

  /** Resumes a paused {@code queue}; idempotent. Subscribers of the queue are woken. */
  void resume(String queue);

  /** {@return the paused queues, each with when it was paused} */
  Map<String, Instant> paused();

  /**
   * {@return one page of the jobs of a queue matching {@code filter}, newest first} Answered from
   * indexes: kind and payload text are matched within at most {@link JobFilter#WINDOW} jobs.
   */
  JobPage find(JobFilter filter);

  /** {@return the earliest {@code run_at} of a job of {@code queue} waiting to run, if any} */
  Optional<Instant> oldestDue(String queue);

  /**
   * {@return per queue and minute, the jobs that reached a final state at or after {@code since}}
   */
  List<Throughput> throughput(Instant since);

  /** {@return the ids of the jobs that have job {@code id} among their parents, in id order} */
  List<Long> children(long id);

  /** {@return the number of running jobs each worker holds a lease on, by worker id} */
  Map<String, Long> held();

  /** Closes the store's connections and threads; idempotent. */
  @Override
  void close();
}
