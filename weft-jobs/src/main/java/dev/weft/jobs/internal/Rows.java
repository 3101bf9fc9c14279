package dev.weft.jobs.internal;

import dev.weft.jobs.Job;
import dev.weft.jobs.JobState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reading {@code weft_jobs} rows (selected with {@link JdbcJobStore#COLUMNS}) into {@link Job}s,
 * and the stored names of states. Stateless.
 */
final class Rows {

  private Rows() {}

  static String stateName(JobState s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  static JobState state(String s) {
    return JobState.valueOf(s.toUpperCase(Locale.ROOT));
  }

  static List<Job> query(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet r = ps.executeQuery()) {
        return readJobs(r);
      }
    }
  }

  static List<Job> readJobs(ResultSet r) throws SQLException {
    List<Job> out = new ArrayList<>();
    while (r.next()) {
      out.add(readJob(r));
    }
    return out;
  }

  static Job readJob(ResultSet r) throws SQLException {
    long lease = r.getLong("lease_expires_at");
    Instant leaseAt = r.wasNull() ? null : Instant.ofEpochMilli(lease);
    long fin = r.getLong("finished_at");
    Instant finishedAt = r.wasNull() ? null : Instant.ofEpochMilli(fin);
    return new Job(
        r.getLong("id"),
        r.getString("queue"),
        r.getString("kind"),
        r.getString("payload"),
        r.getInt("priority"),
        state(r.getString("state")),
        Instant.ofEpochMilli(r.getLong("run_at")),
        r.getInt("attempt"),
        r.getInt("max_attempts"),
        r.getString("unique_key"),
        Json.readLongs(r.getString("parents")),
        Json.readStrings(r.getString("tags")),
        r.getString("progress"),
        Json.readErrors(r.getString("errors")),
        r.getString("reason"),
        r.getString("lease_token"),
        leaseAt,
        r.getString("worker_id"),
        Instant.ofEpochMilli(r.getLong("created_at")),
        finishedAt,
        r.getString("rate_key"),
        Json.readHeaders(r.getString("headers")));
  }
}
