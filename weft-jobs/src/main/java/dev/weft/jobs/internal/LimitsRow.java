package dev.weft.jobs.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The {@code weft_queues} row of one queue, read (and locked where the database can) inside a
 * claim's transaction: the global running limit, the queue's token bucket, and the per-key rate
 * that {@link KeyedClaim} applies. Not thread-safe: one instance per claim.
 */
final class LimitsRow {

  final @Nullable Integer maxRunning;
  final @Nullable Double perSecond;
  final int burst;
  final @Nullable Double keyPerSecond;
  final int keyBurst;
  double tokens;
  final long refilledAt;

  LimitsRow(ResultSet r) throws SQLException {
    int mr = r.getInt("max_running");
    maxRunning = r.wasNull() ? null : mr;
    double ps = r.getDouble("per_second");
    perSecond = r.wasNull() ? null : ps;
    burst = r.getInt("burst");
    tokens = r.getDouble("tokens");
    refilledAt = r.getLong("refilled_at");
    double kps = r.getDouble("key_per_second");
    keyPerSecond = r.wasNull() ? null : kps;
    keyBurst = r.getInt("key_burst");
  }

  int allowance(Connection c, String queue, int max, long now) throws SQLException {
    int allow = max;
    if (maxRunning != null) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "select count(*) from weft_jobs where queue = ? and state = 'running'")) {
        ps.setString(1, queue);
        try (ResultSet r = ps.executeQuery()) {
          r.next();
          allow = (int) Math.min(allow, maxRunning - r.getLong(1));
        }
      }
    }
    if (perSecond != null) {
      tokens = Math.min(burst, tokens + Math.max(0, now - refilledAt) / 1000.0 * perSecond);
      allow = (int) Math.min(allow, Math.floor(tokens));
    }
    return allow;
  }

  void spend(Connection c, String queue, int claimed, long now) throws SQLException {
    if (perSecond == null) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement("update weft_queues set tokens = ?, refilled_at = ? where queue = ?")) {
      ps.setDouble(1, tokens - claimed);
      ps.setLong(2, now);
      ps.setString(3, queue);
      ps.executeUpdate();
    }
  }

  /** {@return the limits row of {@code queue} read with {@code select}, or null if it has none} */
  static @Nullable LimitsRow lock(Connection c, String select, String queue) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(select)) {
      ps.setString(1, queue);
      try (ResultSet r = ps.executeQuery()) {
        return r.next() ? new LimitsRow(r) : null;
      }
    }
  }
}
