package dev.weft.jobs.internal;

import static dev.weft.jobs.internal.Rows.readJobs;
import static dev.weft.jobs.internal.Rows.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The SQLite store: one file in WAL mode, a busy timeout for writers of other processes, and one
 * in-process lock that queues this process's writers so they never spin in SQLite's busy handler.
 * Each write is one short {@code BEGIN IMMEDIATE} transaction. Thread-safe.
 */
final class SqliteJobStore extends JdbcJobStore {

  private final ReentrantLock writeLock = new ReentrantLock();

  SqliteJobStore(Path file, int poolSize) {
    super("sqlite:" + file, pool(file, poolSize));
  }

  private static HikariDataSource pool(Path file, int poolSize) {
    HikariConfig cfg = new HikariConfig();
    cfg.setPoolName("weft-jobs-sqlite");
    cfg.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
    cfg.setMaximumPoolSize(poolSize);
    cfg.setMinimumIdle(1);
    cfg.addDataSourceProperty("journal_mode", "WAL");
    cfg.addDataSourceProperty("synchronous", "NORMAL");
    cfg.addDataSourceProperty("busy_timeout", "30000");
    cfg.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    return new HikariDataSource(cfg);
  }

  @Override
  <T extends @Nullable Object> T write(Tx<T> work, String what) {
    writeLock.lock();
    try {
      return super.write(work, what);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  <T extends @Nullable Object> T oneStatement(Tx<T> work, String what) {
    writeLock.lock();
    try {
      return super.oneStatement(work, what);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  List<List<String>> migrations() {
    return List.of(
        Schema.v1("integer primary key autoincrement"), Schema.v2(), Schema.v3(), Schema.v4());
  }

  @Override
  void lockForMigration(Connection c) {
    // BEGIN IMMEDIATE already holds the database's write lock
  }

  @Override
  long[] insertPlain(Connection c, List<Row> rows) throws SQLException {
    long[] ids = new long[rows.size()];
    try (PreparedStatement ps = c.prepareStatement(INSERT + " returning id")) {
      for (int i = 0; i < rows.size(); i++) {
        bindInsert(ps, rows.get(i));
        try (ResultSet r = ps.executeQuery()) {
          r.next();
          ids[i] = r.getLong(1);
        }
      }
    }
    return ids;
  }

  @Override
  long[] insertKeyed(Connection c, List<Row> rows) throws SQLException {
    long[] ids = new long[rows.size()];
    try (PreparedStatement ins = c.prepareStatement(INSERT + ON_CONFLICT + " returning id");
        PreparedStatement find =
            c.prepareStatement("select id from weft_jobs where queue = ? and unique_key = ?")) {
      for (int i = 0; i < rows.size(); i++) {
        Row row = rows.get(i);
        bindInsert(ins, row);
        try (ResultSet r = ins.executeQuery()) {
          if (r.next()) {
            ids[i] = r.getLong(1);
            continue;
          }
        }
        find.setString(1, row.job().queue());
        find.setString(2, row.job().uniqueKey());
        try (ResultSet r = find.executeQuery()) {
          r.next();
          ids[i] = -r.getLong(1);
        }
      }
    }
    return ids;
  }

  @Override
  List<Job> claimDue(
      Connection c, String queue, String workerId, int max, String token, long expires, long now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "update weft_jobs set state = 'running', attempt = attempt + 1, lease_token = ?,"
                + " lease_expires_at = ?, worker_id = ? where id in (select c.id from weft_jobs c"
                + " where c.queue = ? and c.state in "
                + DUE
                + " and c.run_at <= ? and "
                + NOT_PAUSED
                + " and "
                + PARENTS_DONE
                + " order by c.priority desc, c.run_at, c.id"
                + " limit ?) returning "
                + COLUMNS)) {
      ps.setString(1, token);
      ps.setLong(2, expires);
      ps.setString(3, workerId);
      ps.setString(4, queue);
      ps.setLong(5, now);
      ps.setInt(6, max);
      try (ResultSet r = ps.executeQuery()) {
        return readJobs(r);
      }
    }
  }

  @Override
  int[] executeBatchCounts(PreparedStatement ps, int size) throws SQLException {
    return ps.executeBatch();
  }

  @Override
  Map<Long, JobState> lockParents(Connection c, List<Long> parents) throws SQLException {
    Map<Long, JobState> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("select state from weft_jobs where id = ?")) {
      for (Long p : parents) {
        ps.setLong(1, p);
        try (ResultSet r = ps.executeQuery()) {
          if (r.next()) {
            out.put(p, state(r.getString(1)));
          }
        }
      }
    }
    return out;
  }

  @Override
  void notifyQueues(Connection c, Set<String> queues) {
    // in-process subscribers are woken after the commit (wakeLocal)
  }

  @Override
  String selectLimitsForUpdate() {
    return "select max_running, per_second, burst, tokens, refilled_at, key_per_second,"
        + " key_burst from weft_queues"
        + " where queue = ?";
  }

  @Override
  String contains(String column) {
    return "instr(" + column + ", ?) > 0";
  }
}
