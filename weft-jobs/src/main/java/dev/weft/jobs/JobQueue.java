package dev.weft.jobs;

import dev.weft.jobs.internal.Stores;
import dev.weft.jobs.spi.JobStore;
import dev.weft.time.TimeSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A durable job queue on one database: enqueue jobs, start {@link Worker}s, and operate (counts,
 * dead jobs, workers, purge, global limits). Open it on a SQLite file for one machine, or on
 * PostgreSQL when workers on several machines share the work.
 *
 * <p>Delivery is <b>at-least-once</b>: a job runs again when its worker crashes or loses its lease
 * mid-run, so handlers must be idempotent (see {@link JobContext#idempotencyKey()}).
 *
 * <p>Thread-safe; share one instance per process and {@link #close()} it at the end (it closes the
 * store's connections).
 *
 * {@snippet :
 * try (JobQueue jobs = JobQueue.open("postgres://app@db:5432/app")) {   // or a file: ".weft/state.db"
 *   jobs.enqueue(List.of(NewJob.of("mail", "welcome", Map.of("user", 42)).withUniqueKey("welcome-42")));
 *   try (Worker w = jobs.worker("mail").handler("welcome", ctx -> JobOutcome.success()).start()) {
 *     w.awaitDrained(Duration.ofMinutes(1));
 *   }
 * }
 * }
 */
public final class JobQueue implements AutoCloseable {

  private static final int DEFAULT_POOL = 10;

  private final JobStore store;
  private final TimeSource time;

  private JobQueue(JobStore store, TimeSource time) {
    this.store = store;
    this.time = time;
  }

  /**
   * Opens a queue on {@code location}: a PostgreSQL URL ({@code postgres://user:pw@host:port/db},
   * {@code postgresql://…} or {@code jdbc:postgresql:…}), a {@code jdbc:sqlite:} URL, or else a
   * path of a SQLite file (created with its folder if missing). The schema is created or migrated.
   *
   * @throws IllegalArgumentException if {@code location} is blank
   * @throws JobStoreException if the database cannot be opened or migrated
   */
  public static JobQueue open(String location) {
    Objects.requireNonNull(location, "location");
    if (location.isBlank()) {
      throw new IllegalArgumentException("location must not be blank");
    }
    if (Stores.isPostgres(location)) {
      return postgres(location, DEFAULT_POOL, TimeSource.system());
    }
    String path = location.startsWith("jdbc:sqlite:") ? location.substring(12) : location;
    return sqlite(Path.of(path));
  }

  /** {@return a queue on the SQLite file {@code file}, created with its folder if missing} */
  public static JobQueue sqlite(Path file) {
    return sqlite(file, TimeSource.system());
  }

  /** {@return a queue on the SQLite file {@code file}, reading time from {@code time}} */
  public static JobQueue sqlite(Path file, TimeSource time) {
    Path abs = file.toAbsolutePath();
    try {
      if (abs.getParent() != null) {
        java.nio.file.Files.createDirectories(abs.getParent());
      }
    } catch (java.io.IOException e) {
      throw new JobStoreException(
          "cannot create the folder of " + abs + ": " + e.getMessage(), null);
    }
    return new JobQueue(Stores.sqlite(abs, 4), time);
  }

  /**
   * {@return a queue on PostgreSQL at {@code url} with a pool of {@code poolSize} connections}
   *
   * @throws IllegalArgumentException if {@code poolSize < 1} or the URL has an unknown scheme
   */
  public static JobQueue postgres(String url, int poolSize, TimeSource time) {
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be >= 1, was " + poolSize);
    }
    return new JobQueue(Stores.postgres(url, poolSize, time), time);
  }

  /** {@return a queue on a store of one's own (its schema must already be migrated)} */
  public static JobQueue of(JobStore store, TimeSource time) {
    return new JobQueue(
        Objects.requireNonNull(store, "store"), Objects.requireNonNull(time, "time"));
  }

  /** {@return the store underneath} */
  public JobStore store() {
    return store;
  }

  /** {@return the time source the queue stamps jobs with} */
  public TimeSource time() {
    return time;
  }

  /** {@return the result of enqueuing one job} */
  public Enqueued enqueue(NewJob job) {
    return store.enqueue(List.of(job), time.wallTime()).getFirst();
  }

  /**
   * Enqueues jobs in one transaction: all or none. A job whose unique key its queue already holds
   * is not inserted; its result names the existing job and says {@code duplicate}.
   *
   * @return one result per job, in order
   */
  public List<Enqueued> enqueue(List<NewJob> jobs) {
    return store.enqueue(jobs, time.wallTime());
  }

  /**
   * Enqueues jobs in the caller's own transaction on the same database: they exist if and only if
   * the caller commits. The queue does not commit or close {@code tx}.
   *
   * @return one result per job, in order
   */
  public List<Enqueued> enqueue(Connection tx, List<NewJob> jobs) {
    return store.enqueue(tx, jobs, time.wallTime());
  }

  /** {@return a builder of a worker on {@code queue} of this job queue} */
  public Worker.Builder worker(String queue) {
    return new Worker.Builder(this, queue);
  }

  /** {@return the number of jobs per queue and state} */
  public Map<String, Map<JobState, Long>> counts() {
    return store.counts();
  }

  /**
   * {@return the number of jobs of {@code queue} per state, with zeros for states it has none in}
   */
  public Map<JobState, Long> counts(String queue) {
    Map<JobState, Long> out = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      out.put(s, 0L);
    }
    out.putAll(store.counts().getOrDefault(queue, Map.of()));
    return out;
  }

  /** {@return the jobs of {@code queue} that succeeded per second over the last {@code window}} */
  public double succeededPerSecond(String queue, Duration window) {
    long n = store.succeededSince(queue, time.wallTime().minus(window));
    return n / (window.toMillis() / 1000.0);
  }

  /** {@return the job with its error history, if it exists} */
  public Optional<Job> job(long id) {
    return store.job(id);
  }

  /** {@return up to {@code limit} jobs of {@code queue} in {@code state}, oldest first} */
  public List<Job> jobs(String queue, JobState state, int limit) {
    return store.jobs(queue, state, limit);
  }

  /** {@return up to {@code limit} dead jobs of {@code queue}, oldest first} */
  public List<Job> dead(String queue, int limit) {
    return store.jobs(queue, JobState.DEAD, limit);
  }

  /**
   * {@return whether dead or cancelled job {@code id} of {@code queue} was made available again}
   * Its descendants that were cancelled because it died go back to waiting for their parents in the
   * same transaction (one that still has another dead parent stays cancelled, naming that parent).
   */
  public boolean retry(String queue, long id) {
    return store.retry(queue, id, time.wallTime()) > 0;
  }

  /**
   * {@return how many dead jobs of {@code queue} were made available again} As with {@link
   * #retry(String, long)}, the descendants their deaths cancelled are restored.
   */
  public int retryAllDead(String queue) {
    return store.retry(queue, null, time.wallTime());
  }

  /** {@return whether dead job {@code id} of {@code queue} was deleted} */
  public boolean discard(String queue, long id) {
    return store.discard(queue, id) > 0;
  }

  /** {@return how many dead jobs of {@code queue} were deleted} */
  public int discardAllDead(String queue) {
    return store.discard(queue, null);
  }

  /**
   * {@return how many finished jobs (succeeded, dead, cancelled) older than {@code age} were
   * deleted}
   */
  public int purgeFinished(Duration age) {
    return store.purge(time.wallTime().minus(age));
  }

  /** {@return every worker the store knows, with its last heartbeat} */
  public List<WorkerInfo> workers() {
    return store.workers();
  }

  /** Sets the global limits of {@code queue}, respected by every worker on every machine. */
  public void limits(String queue, QueueLimits limits) {
    store.limits(queue, Objects.requireNonNull(limits, "limits"));
  }

  /** Removes the global limits of {@code queue}. */
  public void clearLimits(String queue) {
    store.limits(queue, null);
  }

  /** {@return the global limits of {@code queue}, if set} */
  public Optional<QueueLimits> limits(String queue) {
    return store.limits(queue);
  }

  /**
   * Pauses {@code queue} for every worker of every process: once this returns no job of it is
   * claimed until {@link #resume}. Jobs already running finish; enqueues still go in. Idempotent.
   */
  public void pause(String queue) {
    store.pause(Objects.requireNonNull(queue, "queue"), time.wallTime());
  }

  /** Resumes a paused {@code queue} and wakes its workers; idempotent. */
  public void resume(String queue) {
    store.resume(Objects.requireNonNull(queue, "queue"));
  }

  /** {@return whether {@code queue} is paused} */
  public boolean isPaused(String queue) {
    return store.paused().containsKey(queue);
  }

  /** {@return the paused queues, each with when it was paused} */
  public Map<String, java.time.Instant> paused() {
    return store.paused();
  }

  /**
   * {@return one page of the jobs of a queue that match {@code filter}, newest first} Each page
   * reads indexes only; see {@link JobFilter} for how far kind and text searches look.
   */
  public JobPage find(JobFilter filter) {
    return store.find(Objects.requireNonNull(filter, "filter"));
  }

  /** {@return how long the oldest due job of {@code queue} has waited, if one is due} */
  public Optional<Duration> oldestDueAge(String queue) {
    java.time.Instant now = time.wallTime();
    return store
        .oldestDue(queue)
        .filter(at -> !at.isAfter(now))
        .map(at -> Duration.between(at, now));
  }

  /** {@return per queue and minute, the jobs that finished over the last {@code window}} */
  public List<Throughput> throughput(Duration window) {
    return store.throughput(time.wallTime().minus(window));
  }

  /** {@return the ids of the jobs waiting on job {@code id} as a parent (up to 1,000)} */
  public List<Long> children(long id) {
    return store.children(id);
  }

  /** {@return how many running jobs each worker holds, by worker id} */
  public Map<String, Long> held() {
    return store.held();
  }

  /**
   * Calls {@code wake} after jobs are enqueued into {@code queue}: by any process when the store is
   * PostgreSQL ({@code LISTEN/NOTIFY}), by this process otherwise; coalesced, sometimes spurious,
   * and also after a reconnect (when notifications may have been lost). {@code wake} must return
   * quickly: it runs on the store's listening thread.
   *
   * @return a handle whose {@code close()} stops the calls
   */
  public AutoCloseable subscribe(String queue, Runnable wake) {
    return store.subscribe(
        Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(wake, "wake"));
  }

  /** Closes the store. Workers must be closed first. Idempotent. */
  @Override
  public void close() {
    store.close();
  }
}
