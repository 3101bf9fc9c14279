package dev.weft.jobs.internal;

import static dev.weft.jobs.internal.Rows.query;
import static dev.weft.jobs.internal.Rows.state;
import static dev.weft.jobs.internal.Rows.stateName;

import com.zaxxer.hikari.HikariDataSource;
import dev.weft.jobs.Enqueued;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobFilter;
import dev.weft.jobs.JobPage;
import dev.weft.jobs.JobState;
import dev.weft.jobs.JobStoreException;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.QueueLimits;
import dev.weft.jobs.Throughput;
import dev.weft.jobs.WorkerInfo;
import dev.weft.jobs.spi.Finish;
import dev.weft.jobs.spi.JobStore;
import dev.weft.jobs.spi.Lease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The SQL both weft stores share; subclasses supply the dialect's schema, claim statement and
 * insert path.
 *
 * <p>Overview for maintainers. Times are stored as epoch milliseconds ({@code bigint}) passed in by
 * the caller, so both databases and the manual clock agree. A job is due when its state is
 * available, scheduled or retrying, its {@code run_at} has passed and (if {@code has_parents}) no
 * row in {@code weft_job_deps} points at a parent that has not succeeded; the claim promotes due
 * jobs straight to running. Every move out of running is fenced by {@code lease_token}. Error
 * histories are JSON arrays rewritten whole by the lease holder, which is the only writer while the
 * job runs. Thread-safe: every method takes its own pooled connection.
 */
abstract class JdbcJobStore implements JobStore {

  static final String DUE = "('available','scheduled','retrying')";

  /** The condition on a candidate job {@code c} that none of its parents is unfinished. */
  static final String PARENTS_DONE =
      "(c.has_parents = 0 or not exists (select 1 from weft_job_deps d join weft_jobs p"
          + " on p.id = d.parent_id where d.child_id = c.id and p.state <> 'succeeded'))";

  /** The condition on a candidate job {@code c} that its queue is not paused. */
  static final String NOT_PAUSED =
      "not exists (select 1 from weft_paused p where p.queue = c.queue)";

  static final String COLUMNS =
      "id, queue, kind, payload, priority, state, run_at, attempt, max_attempts, unique_key,"
          + " parents, tags, progress, errors, reason, lease_token, lease_expires_at, worker_id,"
          + " created_at, finished_at, rate_key, headers";
  static final String INSERT =
      "insert into weft_jobs (queue, kind, payload, priority, state, run_at, attempt,"
          + " max_attempts, unique_key, parents, has_parents, tags, errors, reason, created_at,"
          + " finished_at, rate_key, headers) values (?,?,?,?,?,?,0,?,?,?,?,?,'[]',?,?,?,?,?)";

  /** The number of parameters {@link #INSERT} binds per row. */
  static final int INSERT_PARAMS = 16;

  static final String ON_CONFLICT =
      " on conflict (queue, unique_key) where unique_key is not null do nothing";

  final HikariDataSource pool;
  private final String name;
  private final Map<String, List<Runnable>> subscribers = new ConcurrentHashMap<>();

  JdbcJobStore(String name, HikariDataSource pool) {
    this.name = name;
    this.pool = pool;
  }

  @Override
  public String name() {
    return name;
  }

  // ---- dialect ----------------------------------------------------------------------------

  /** {@return the statements of each schema version, version 1 first} */
  abstract List<List<String>> migrations();

  /** Takes the lock that serializes migrations across processes, inside {@code c}'s transaction. */
  abstract void lockForMigration(Connection c) throws SQLException;

  /** Inserts jobs without unique keys; {@return their ids in order} */
  abstract long[] insertPlain(Connection c, List<Row> rows) throws SQLException;

  /** Inserts jobs with unique keys; {@return each id, negated when it was a duplicate} */
  abstract long[] insertKeyed(Connection c, List<Row> rows) throws SQLException;

  /** Claims up to {@code max} due jobs under {@code token} in one statement. */
  abstract List<Job> claimDue(
      Connection c, String queue, String workerId, int max, String token, long expires, long now)
      throws SQLException;

  /** Reads parents' states, locking their rows where the database can. */
  abstract Map<Long, JobState> lockParents(Connection c, List<Long> parents) throws SQLException;

  /** {@return a condition true when column {@code column} contains the text bound to its ?} */
  abstract String contains(String column);

  /** Called inside an enqueue transaction for the queues it touched. */
  abstract void notifyQueues(Connection c, Set<String> queues) throws SQLException;

  /** Runs {@code work} in a write transaction. */
  <T extends @Nullable Object> T write(Tx<T> work, String what) {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** Runs one writing statement in auto-commit mode (its own transaction). */
  <T extends @Nullable Object> T oneStatement(Tx<T> work, String what) {
    return read(work, what);
  }

  <T extends @Nullable Object> T read(Tx<T> work, String what) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  JobStoreException failure(String what, SQLException e) {
    return new JobStoreException(
        "job store '" + name + "' failed to " + what + ": " + e.getMessage(), e);
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  @FunctionalInterface
  interface Tx<T extends @Nullable Object> {
    T run(Connection c) throws SQLException;
  }

  /** One job to insert, with the state it starts in. */
  record Row(NewJob job, JobState state, long runAt, @Nullable String reason, long now) {}

  // ---- schema -----------------------------------------------------------------------------

  @Override
  public void migrate() {
    write(
        c -> {
          lockForMigration(c);
          try (Statement s = c.createStatement()) {
            s.execute(
                "create table if not exists weft_schema (version integer primary key,"
                    + " applied_at bigint not null)");
            int current = 0;
            try (ResultSet r =
                s.executeQuery("select coalesce(max(version), 0) from weft_schema")) {
              if (r.next()) {
                current = r.getInt(1);
              }
            }
            List<List<String>> all = migrations();
            for (int v = current + 1; v <= all.size(); v++) {
              for (String sql : all.get(v - 1)) {
                s.execute(sql);
              }
              s.execute("insert into weft_schema (version, applied_at) values (" + v + ", 0)");
            }
          }
          return null;
        },
        "migrate the schema");
  }

  // ---- enqueue ----------------------------------------------------------------------------

  @Override
  public List<Enqueued> enqueue(List<NewJob> jobs, Instant now) {
    if (jobs.isEmpty()) {
      return List.of();
    }
    List<Enqueued> result = write(c -> enqueueIn(c, jobs, now), "enqueue " + jobs.size() + " jobs");
    wakeLocal(queuesOf(jobs));
    return result;
  }

  @Override
  public List<Enqueued> enqueue(Connection tx, List<NewJob> jobs, Instant now) {
    if (jobs.isEmpty()) {
      return List.of();
    }
    try {
      List<Enqueued> result = enqueueIn(tx, jobs, now);
      wakeLocal(queuesOf(jobs));
      return result;
    } catch (SQLException e) {
      throw failure("enqueue " + jobs.size() + " jobs in the caller's transaction", e);
    }
  }

  private static Set<String> queuesOf(List<NewJob> jobs) {
    Set<String> queues = new LinkedHashSet<>();
    for (NewJob j : jobs) {
      queues.add(j.queue());
    }
    return queues;
  }

  private List<Enqueued> enqueueIn(Connection c, List<NewJob> jobs, Instant now)
      throws SQLException {
    long nowMs = now.toEpochMilli();
    Set<Long> allParents = new HashSet<>();
    for (NewJob j : jobs) {
      allParents.addAll(j.parents());
    }
    Map<Long, JobState> parentStates =
        allParents.isEmpty() ? Map.of() : lockParents(c, List.copyOf(allParents));
    List<Row> plain = new ArrayList<>();
    List<Row> keyed = new ArrayList<>();
    List<Row> rows = new ArrayList<>(jobs.size());
    for (NewJob j : jobs) {
      long runAt = j.runAt() == null ? nowMs : j.runAt().toEpochMilli();
      JobState state =
          runAt > nowMs || !j.parents().isEmpty() ? JobState.SCHEDULED : JobState.AVAILABLE;
      String reason = null;
      for (Long p : j.parents()) {
        JobState ps = parentStates.get(p);
        if (ps == JobState.DEAD || ps == JobState.CANCELLED) {
          state = JobState.CANCELLED;
          reason = "parent job " + p + " is " + ps.name().toLowerCase(Locale.ROOT);
          break;
        }
      }
      Row row = new Row(j, state, runAt, reason, nowMs);
      rows.add(row);
      (j.uniqueKey() == null ? plain : keyed).add(row);
    }
    long[] plainIds = plain.isEmpty() ? new long[0] : insertPlain(c, plain);
    long[] keyedIds = keyed.isEmpty() ? new long[0] : insertKeyed(c, keyed);
    List<Enqueued> out = new ArrayList<>(jobs.size());
    int pi = 0;
    int ki = 0;
    List<long[]> deps = new ArrayList<>();
    for (Row row : rows) {
      long id = row.job().uniqueKey() == null ? plainIds[pi++] : keyedIds[ki++];
      boolean duplicate = id < 0;
      long abs = Math.abs(id);
      out.add(new Enqueued(abs, duplicate));
      if (!duplicate) {
        for (Long p : row.job().parents()) {
          deps.add(new long[] {abs, p});
        }
      }
    }
    if (!deps.isEmpty()) {
      try (PreparedStatement ps =
          c.prepareStatement("insert into weft_job_deps (child_id, parent_id) values (?, ?)")) {
        for (long[] d : deps) {
          ps.setLong(1, d[0]);
          ps.setLong(2, d[1]);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    notifyQueues(c, queuesOf(jobs));
    return out;
  }

  static void bindInsert(PreparedStatement ps, Row row) throws SQLException {
    bindInsert(ps, row, 0);
  }

  /** Binds one row's {@link #INSERT_PARAMS} parameters starting after parameter {@code o}. */
  static void bindInsert(PreparedStatement ps, Row row, int o) throws SQLException {
    NewJob j = row.job();
    ps.setString(o + 1, j.queue());
    ps.setString(o + 2, j.kind());
    ps.setString(o + 3, j.payloadJson());
    ps.setInt(o + 4, j.priority());
    ps.setString(o + 5, stateName(row.state()));
    ps.setLong(o + 6, row.runAt());
    ps.setInt(o + 7, j.maxAttempts());
    ps.setString(o + 8, j.uniqueKey());
    ps.setString(o + 9, Json.longs(j.parents()));
    ps.setInt(o + 10, j.parents().isEmpty() ? 0 : 1);
    ps.setString(o + 11, Json.strings(j.tags()));
    ps.setString(o + 12, row.reason());
    ps.setLong(o + 13, row.now());
    if (row.state().isFinal()) {
      ps.setLong(o + 14, row.now());
    } else {
      ps.setNull(o + 14, Types.BIGINT);
    }
    ps.setString(o + 15, j.rateKey());
    ps.setString(o + 16, j.headers().isEmpty() ? null : Json.headers(j.headers()));
  }

  // ---- claim, renew, finish ---------------------------------------------------------------

  @Override
  public List<Job> claim(String queue, String workerId, int max, Duration lease, Instant now) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, was " + max);
    }
    long nowMs = now.toEpochMilli();
    long expires = nowMs + lease.toMillis();
    String token = UUID.randomUUID().toString();
    List<Job> claimed =
        hasLimits(queue)
            ? claimLimited(queue, workerId, max, token, expires, nowMs)
            : oneStatement(
                c -> claimDue(c, queue, workerId, max, token, expires, nowMs),
                "claim jobs of queue '" + queue + "'");
    List<Job> sorted = new ArrayList<>(claimed);
    sorted.sort(
        Comparator.comparingInt(Job::priority)
            .reversed()
            .thenComparing(Job::runAt)
            .thenComparingLong(Job::id));
    return sorted;
  }

  /**
   * Whether {@code queue} has a limits row, read without a transaction: the common case (no limits)
   * then claims in one statement. A limit set concurrently applies from the next claim.
   */
  private boolean hasLimits(String queue) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("select 1 from weft_queues where queue = ?")) {
            ps.setString(1, queue);
            try (ResultSet r = ps.executeQuery()) {
              return r.next();
            }
          }
        },
        "read limits of queue '" + queue + "'");
  }

  private List<Job> claimLimited(
      String queue, String workerId, int max, String token, long expires, long nowMs) {
    return write(
        c -> {
          int allow = max;
          LimitsRow limits = lockLimits(c, queue);
          if (limits != null) {
            allow = limits.allowance(c, queue, max, nowMs);
          }
          List<Job> jobs;
          if (allow <= 0) {
            jobs = List.of();
          } else if (limits != null && limits.keyPerSecond != null) {
            jobs =
                new KeyedClaim(queue, limits.keyPerSecond, limits.keyBurst, nowMs)
                    .claim(c, workerId, allow, token, expires);
          } else {
            jobs = claimDue(c, queue, workerId, allow, token, expires, nowMs);
          }
          if (limits != null) {
            limits.spend(c, queue, jobs.size(), nowMs);
          }
          return jobs;
        },
        "claim jobs of queue '" + queue + "'");
  }

  /** {@return the select of a queue's limits row, locking it where the database can} */
  abstract String selectLimitsForUpdate();

  private @Nullable LimitsRow lockLimits(Connection c, String queue) throws SQLException {
    return LimitsRow.lock(c, selectLimitsForUpdate(), queue);
  }

  @Override
  public Set<Long> renew(List<Lease> leases, Duration lease, Instant now) {
    if (leases.isEmpty()) {
      return Set.of();
    }
    long expires = now.toEpochMilli() + lease.toMillis();
    return write(
        c -> {
          Set<Long> lost = new HashSet<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "update weft_jobs set lease_expires_at = ?, progress = coalesce(?, progress)"
                      + " where id = ? and lease_token = ? and state = 'running'")) {
            for (Lease l : leases) {
              ps.setLong(1, expires);
              ps.setString(2, l.progress());
              ps.setLong(3, l.id());
              ps.setString(4, l.leaseToken());
              ps.addBatch();
            }
            int[] counts = executeBatchCounts(ps, leases.size());
            for (int i = 0; i < counts.length; i++) {
              if (counts[i] == 0) {
                lost.add(leases.get(i).id());
              }
            }
          }
          return lost;
        },
        "renew " + leases.size() + " leases");
  }

  @Override
  public Set<Long> finish(List<Finish> finishes, Instant now) {
    if (finishes.isEmpty()) {
      return Set.of();
    }
    long nowMs = now.toEpochMilli();
    return write(c -> finishIn(c, finishes, nowMs), "finish " + finishes.size() + " jobs");
  }

  /** Applies fenced finishes inside {@code c}'s transaction; {@return the ids that applied} */
  Set<Long> finishIn(Connection c, List<Finish> finishes, long nowMs) throws SQLException {
    if (finishes.isEmpty()) {
      return new HashSet<>();
    }
    {
      {
        int[] counts;
        try (PreparedStatement ps =
            c.prepareStatement(
                "update weft_jobs set state = ?, run_at = ?, attempt = ?, errors = ?,"
                    + " reason = ?, lease_token = null, lease_expires_at = null,"
                    + " worker_id = null, finished_at = ?, progress = coalesce(?, progress)"
                    + " where id = ? and lease_token = ? and state = 'running'")) {
          for (Finish f : finishes) {
            ps.setString(1, stateName(f.to()));
            ps.setLong(2, f.runAt().toEpochMilli());
            ps.setInt(3, f.attempt());
            ps.setString(4, Json.errors(f.errors()));
            ps.setString(5, f.reason());
            if (f.to().isFinal()) {
              ps.setLong(6, nowMs);
            } else {
              ps.setNull(6, Types.BIGINT);
            }
            ps.setString(7, f.progress());
            ps.setLong(8, f.id());
            ps.setString(9, f.leaseToken());
            ps.addBatch();
          }
          counts = executeBatchCounts(ps, finishes.size());
        }
        Set<Long> applied = new HashSet<>();
        for (int i = 0; i < counts.length; i++) {
          Finish f = finishes.get(i);
          if (counts[i] > 0) {
            applied.add(f.id());
            if (f.to() == JobState.DEAD) {
              Lineage.cancelDescendants(c, f.id(), nowMs);
            }
          }
        }
        return applied;
      }
    }
  }

  /** Executes a batch of single-row updates; {@return how many rows each changed} */
  int[] executeBatchCounts(PreparedStatement ps, int size) throws SQLException {
    return ps.executeBatch();
  }

  @Override
  public List<Job> expired(Instant now, int limit) {
    return read(
        c ->
            query(
                c,
                "select "
                    + COLUMNS
                    + " from weft_jobs where state = 'running' and lease_expires_at < ?"
                    + " order by lease_expires_at limit ?",
                now.toEpochMilli(),
                limit),
        "find expired leases");
  }

  // ---- operations -------------------------------------------------------------------------

  @Override
  public Optional<Job> job(long id) {
    return read(
            c -> query(c, "select " + COLUMNS + " from weft_jobs where id = ?", id),
            "read job " + id)
        .stream()
        .findFirst();
  }

  @Override
  public List<Job> jobs(String queue, JobState state, int limit) {
    return read(
        c ->
            query(
                c,
                "select "
                    + COLUMNS
                    + " from weft_jobs where queue = ? and state = ? order by id limit ?",
                queue,
                stateName(state),
                limit),
        "list " + stateName(state) + " jobs of queue '" + queue + "'");
  }

  @Override
  public Map<String, Map<JobState, Long>> counts() {
    return read(
        c -> {
          Map<String, Map<JobState, Long>> out = new TreeMap<>();
          try (Statement s = c.createStatement();
              ResultSet r =
                  s.executeQuery(
                      "select queue, state, count(*) from weft_jobs group by queue, state")) {
            while (r.next()) {
              out.computeIfAbsent(r.getString(1), q -> new EnumMap<>(JobState.class))
                  .put(state(r.getString(2)), r.getLong(3));
            }
          }
          return out;
        },
        "count jobs");
  }

  @Override
  public boolean hasUnfinished(String queue) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select 1 where exists (select 1 from weft_jobs where queue = ? and state in "
                      + DUE
                      + ") or exists (select 1 from weft_jobs where queue = ? and state ="
                      + " 'running')")) {
            ps.setString(1, queue);
            ps.setString(2, queue);
            try (ResultSet r = ps.executeQuery()) {
              return r.next();
            }
          }
        },
        "look for unfinished jobs of queue '" + queue + "'");
  }

  @Override
  public long succeededSince(String queue, Instant since) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select count(*) from weft_jobs where queue = ? and state = 'succeeded'"
                      + " and finished_at >= ?")) {
            ps.setString(1, queue);
            ps.setLong(2, since.toEpochMilli());
            try (ResultSet r = ps.executeQuery()) {
              r.next();
              return r.getLong(1);
            }
          }
        },
        "count succeeded jobs");
  }

  /**
   * Moves the dead (or one dead or cancelled) jobs back to available, then restores the descendants
   * their death had cancelled ({@link Lineage#restoreDescendants}).
   */
  @Override
  public int retry(String queue, @Nullable Long id, Instant now) {
    return write(
        c -> {
          String where =
              " where queue = ? and "
                  + (id == null ? "state = 'dead'" : "state in ('dead','cancelled') and id = ?");
          // the ids come from the update itself, so a retry that lost a race to another one
          // (the job is no longer dead when its update runs) restores nothing
          List<Long> ids = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "update weft_jobs set state = 'available', attempt = 0, run_at = ?,"
                      + " reason = null, finished_at = null"
                      + where
                      + " returning id")) {
            ps.setLong(1, now.toEpochMilli());
            ps.setString(2, queue);
            if (id != null) {
              ps.setLong(3, id);
            }
            try (ResultSet r = ps.executeQuery()) {
              while (r.next()) {
                ids.add(r.getLong(1));
              }
            }
          }
          int moved = ids.size();
          Lineage.restoreDescendants(c, ids);
          return moved;
        },
        "retry dead jobs of queue '" + queue + "'");
  }

  @Override
  public int discard(String queue, @Nullable Long id) {
    return write(
        c -> {
          String where = "queue = ? and state = 'dead'" + (id == null ? "" : " and id = ?");
          try (PreparedStatement deps =
                  c.prepareStatement(
                      "delete from weft_job_deps where child_id in (select id from weft_jobs where "
                          + where
                          + ")");
              PreparedStatement jobs = c.prepareStatement("delete from weft_jobs where " + where)) {
            for (PreparedStatement ps : List.of(deps, jobs)) {
              ps.setString(1, queue);
              if (id != null) {
                ps.setLong(2, id);
              }
            }
            deps.executeUpdate();
            return jobs.executeUpdate();
          }
        },
        "discard dead jobs of queue '" + queue + "'");
  }

  @Override
  public int purge(Instant before) {
    int total = 0;
    while (true) {
      int n =
          write(
              c -> {
                List<Long> ids = new ArrayList<>();
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "select id from weft_jobs where finished_at < ?"
                            + " and state in ('succeeded','dead','cancelled') limit 5000")) {
                  ps.setLong(1, before.toEpochMilli());
                  try (ResultSet r = ps.executeQuery()) {
                    while (r.next()) {
                      ids.add(r.getLong(1));
                    }
                  }
                }
                deleteIds(c, ids);
                return ids.size();
              },
              "purge finished jobs");
      total += n;
      if (n < 5000) {
        write(
            c -> KeyedClaim.forgetFullBuckets(c, before.toEpochMilli()), "purge rate-key buckets");
        return total;
      }
    }
  }

  private static void deleteIds(Connection c, List<Long> ids) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    try (PreparedStatement deps =
            c.prepareStatement("delete from weft_job_deps where child_id = ?");
        PreparedStatement jobs = c.prepareStatement("delete from weft_jobs where id = ?")) {
      for (Long id : ids) {
        deps.setLong(1, id);
        deps.addBatch();
        jobs.setLong(1, id);
        jobs.addBatch();
      }
      deps.executeBatch();
      jobs.executeBatch();
    }
  }

  @Override
  public void heartbeat(WorkerInfo w) {
    write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "insert into weft_workers (id, queue, host, concurrency, started_at,"
                      + " heartbeat_at) values (?,?,?,?,?,?) on conflict (id) do update set"
                      + " heartbeat_at = excluded.heartbeat_at")) {
            ps.setString(1, w.id());
            ps.setString(2, w.queue());
            ps.setString(3, w.host());
            ps.setInt(4, w.concurrency());
            ps.setLong(5, w.startedAt().toEpochMilli());
            ps.setLong(6, w.heartbeatAt().toEpochMilli());
            return ps.executeUpdate();
          }
        },
        "record the heartbeat of worker " + w.id());
  }

  @Override
  public void removeWorker(String workerId) {
    write(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("delete from weft_workers where id = ?")) {
            ps.setString(1, workerId);
            return ps.executeUpdate();
          }
        },
        "remove worker " + workerId);
  }

  @Override
  public List<WorkerInfo> workers() {
    return read(
        c -> {
          List<WorkerInfo> out = new ArrayList<>();
          try (Statement s = c.createStatement();
              ResultSet r =
                  s.executeQuery(
                      "select id, queue, host, concurrency, started_at, heartbeat_at"
                          + " from weft_workers order by heartbeat_at desc, id")) {
            while (r.next()) {
              out.add(
                  new WorkerInfo(
                      r.getString(1),
                      r.getString(2),
                      r.getString(3),
                      r.getInt(4),
                      Instant.ofEpochMilli(r.getLong(5)),
                      Instant.ofEpochMilli(r.getLong(6))));
            }
          }
          return out;
        },
        "list workers");
  }

  @Override
  public void limits(String queue, @Nullable QueueLimits limits) {
    write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("delete from weft_rate_keys where queue = ?")) {
            ps.setString(1, queue);
            ps.executeUpdate();
          }
          if (limits == null) {
            try (PreparedStatement ps =
                c.prepareStatement("delete from weft_queues where queue = ?")) {
              ps.setString(1, queue);
              return ps.executeUpdate();
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "insert into weft_queues (queue, max_running, per_second, burst, tokens,"
                      + " refilled_at, key_per_second, key_burst) values (?,?,?,?,?,0,?,?)"
                      + " on conflict (queue) do update set"
                      + " max_running = excluded.max_running, per_second = excluded.per_second,"
                      + " burst = excluded.burst, tokens = excluded.tokens,"
                      + " refilled_at = excluded.refilled_at,"
                      + " key_per_second = excluded.key_per_second,"
                      + " key_burst = excluded.key_burst")) {
            ps.setString(1, queue);
            if (limits.maxRunning() == null) {
              ps.setNull(2, Types.INTEGER);
            } else {
              ps.setInt(2, limits.maxRunning());
            }
            if (limits.perSecond() == null) {
              ps.setNull(3, Types.DOUBLE);
            } else {
              ps.setDouble(3, limits.perSecond());
            }
            ps.setInt(4, limits.burst());
            ps.setDouble(5, limits.burst());
            if (limits.keyPerSecond() == null) {
              ps.setNull(6, Types.DOUBLE);
            } else {
              ps.setDouble(6, limits.keyPerSecond());
            }
            ps.setInt(7, limits.keyBurst());
            return ps.executeUpdate();
          }
        },
        "set limits of queue '" + queue + "'");
  }

  @Override
  public Optional<QueueLimits> limits(String queue) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select max_running, per_second, burst, key_per_second, key_burst"
                      + " from weft_queues where queue = ?")) {
            ps.setString(1, queue);
            try (ResultSet r = ps.executeQuery()) {
              if (!r.next()) {
                return Optional.empty();
              }
              int mr = r.getInt(1);
              Integer maxRunning = r.wasNull() ? null : mr;
              double p = r.getDouble(2);
              Double perSecond = r.wasNull() ? null : p;
              int burst = r.getInt(3);
              double k = r.getDouble(4);
              Double keyPerSecond = r.wasNull() ? null : k;
              return Optional.of(
                  new QueueLimits(maxRunning, perSecond, burst, keyPerSecond, r.getInt(5)));
            }
          }
        },
        "read limits of queue '" + queue + "'");
  }

  // ---- pause, search, dashboard reads -----------------------------------------------------

  @Override
  public void pause(String queue, Instant now) {
    write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "insert into weft_paused (queue, paused_at) values (?, ?)"
                      + " on conflict (queue) do nothing")) {
            ps.setString(1, Objects.requireNonNull(queue, "queue"));
            ps.setLong(2, now.toEpochMilli());
            return ps.executeUpdate();
          }
        },
        "pause queue '" + queue + "'");
  }

  @Override
  public void resume(String queue) {
    write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("delete from weft_paused where queue = ?")) {
            ps.setString(1, Objects.requireNonNull(queue, "queue"));
            return ps.executeUpdate();
          }
        },
        "resume queue '" + queue + "'");
    wake(queue);
  }

  @Override
  public Map<String, Instant> paused() {
    return read(
        c -> {
          Map<String, Instant> out = new TreeMap<>();
          try (Statement s = c.createStatement();
              ResultSet r = s.executeQuery("select queue, paused_at from weft_paused")) {
            while (r.next()) {
              out.put(r.getString(1), Instant.ofEpochMilli(r.getLong(2)));
            }
          }
          return out;
        },
        "list paused queues");
  }

  @Override
  public JobPage find(JobFilter f) {
    return read(c -> findIn(c, f), "search jobs of queue '" + f.queue() + "'");
  }

  private JobPage findIn(Connection c, JobFilter f) throws SQLException {
    List<Object> args = new ArrayList<>();
    StringBuilder base = new StringBuilder(" from weft_jobs where queue = ?");
    args.add(f.queue());
    if (f.state() != null) {
      base.append(" and state = ?");
      args.add(stateName(f.state()));
    }
    if (f.beforeId() != null) {
      base.append(" and id < ?");
      args.add(f.beforeId());
    }
    if (f.uniqueKey() != null) {
      base.append(" and unique_key = ?");
      args.add(f.uniqueKey());
    }
    if (!f.windowed()) {
      args.add(f.limit());
      List<Job> jobs =
          query(c, "select " + COLUMNS + base + " order by id desc limit ?", args.toArray());
      return new JobPage(
          jobs, jobs.size() == f.limit() && f.uniqueKey() == null ? jobs.getLast().id() : null);
    }
    List<Object> outer = new ArrayList<>(args);
    StringBuilder where = new StringBuilder(" where 1 = 1");
    if (f.kind() != null) {
      where.append(" and w.kind = ?");
      outer.add(f.kind());
    }
    if (f.text() != null) {
      where.append(" and ").append(contains("w.payload"));
      outer.add(f.text());
    }
    outer.add(f.limit());
    String window = "select " + COLUMNS + base + " order by id desc limit " + JobFilter.WINDOW;
    List<Job> jobs =
        query(
            c,
            "select " + COLUMNS + " from (" + window + ") w" + where + " order by id desc limit ?",
            outer.toArray());
    if (jobs.size() == f.limit()) {
      return new JobPage(jobs, jobs.getLast().id());
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "select count(*), min(id) from (select id"
                + base
                + " order by id desc limit "
                + JobFilter.WINDOW
                + ") w")) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        boolean full = r.getLong(1) == JobFilter.WINDOW;
        return new JobPage(jobs, full ? r.getLong(2) : null);
      }
    }
  }

  @Override
  public Optional<Instant> oldestDue(String queue) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select min(run_at) from weft_jobs where queue = ? and state in " + DUE)) {
            ps.setString(1, queue);
            try (ResultSet r = ps.executeQuery()) {
              r.next();
              long at = r.getLong(1);
              return r.wasNull()
                  ? Optional.<Instant>empty()
                  : Optional.of(Instant.ofEpochMilli(at));
            }
          }
        },
        "find the oldest due job of queue '" + queue + "'");
  }

  @Override
  public List<Throughput> throughput(Instant since) {
    return read(
        c -> {
          Map<String, long[]> byKey = new TreeMap<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select queue, finished_at / 60000, state, count(*) from weft_jobs"
                      + " where finished_at >= ? group by queue, finished_at / 60000, state")) {
            ps.setLong(1, since.toEpochMilli());
            try (ResultSet r = ps.executeQuery()) {
              while (r.next()) {
                String key = r.getString(1) + '\u0000' + String.format("%015d", r.getLong(2));
                long[] n = byKey.computeIfAbsent(key, k -> new long[2]);
                n[state(r.getString(3)) == JobState.SUCCEEDED ? 0 : 1] += r.getLong(4);
              }
            }
          }
          List<Throughput> out = new ArrayList<>();
          for (Map.Entry<String, long[]> e : byKey.entrySet()) {
            int cut = e.getKey().indexOf('\u0000');
            long minute = Long.parseLong(e.getKey().substring(cut + 1));
            out.add(
                new Throughput(
                    e.getKey().substring(0, cut),
                    Instant.ofEpochMilli(minute * 60_000),
                    e.getValue()[0],
                    e.getValue()[1]));
          }
          return out;
        },
        "count finished jobs per minute");
  }

  @Override
  public List<Long> children(long id) {
    return read(
        c -> {
          List<Long> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select child_id from weft_job_deps where parent_id = ? order by child_id"
                      + " limit 1000")) {
            ps.setLong(1, id);
            try (ResultSet r = ps.executeQuery()) {
              while (r.next()) {
                out.add(r.getLong(1));
              }
            }
          }
          return out;
        },
        "list the children of job " + id);
  }

  @Override
  public Map<String, Long> held() {
    return read(
        c -> {
          Map<String, Long> out = new TreeMap<>();
          try (Statement s = c.createStatement();
              ResultSet r =
                  s.executeQuery(
                      "select worker_id, count(*) from weft_jobs where state = 'running'"
                          + " and worker_id is not null group by worker_id")) {
            while (r.next()) {
              out.put(r.getString(1), r.getLong(2));
            }
          }
          return out;
        },
        "count the jobs each worker holds");
  }

  // ---- wake-ups ---------------------------------------------------------------------------

  @Override
  public AutoCloseable subscribe(String queue, Runnable wake) {
    subscribers.computeIfAbsent(queue, q -> new CopyOnWriteArrayList<>()).add(wake);
    return () -> {
      List<Runnable> list = subscribers.get(queue);
      if (list != null) {
        list.remove(wake);
      }
    };
  }

  /** Wakes this process's subscribers; a store whose database can tell others overrides it. */
  @Override
  public void wake(String queue) {
    wakeLocal(Set.of(Objects.requireNonNull(queue, "queue")));
  }

  /** Wakes this process's subscribers of {@code queues}. */
  void wakeLocal(Set<String> queues) {
    for (String q : queues) {
      List<Runnable> list = subscribers.get(q);
      if (list != null) {
        list.forEach(Runnable::run);
      }
    }
  }

  /** Wakes every subscriber of this process (after a reconnect, when notifications may be lost). */
  void wakeAll() {
    subscribers.values().forEach(list -> list.forEach(Runnable::run));
  }

  @Override
  public void close() {
    pool.close();
  }
}
