package dev.weft.jobs.internal;

import static dev.weft.jobs.internal.JdbcJobStore.COLUMNS;
import static dev.weft.jobs.internal.JdbcJobStore.DUE;
import static dev.weft.jobs.internal.JdbcJobStore.NOT_PAUSED;
import static dev.weft.jobs.internal.JdbcJobStore.PARENTS_DONE;

import dev.weft.jobs.Job;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * One claim of a queue with a per-key rate limit: a token bucket per {@code (queue, rate_key)} in
 * {@code weft_rate_keys}, refilled at {@code key_per_second} up to {@code key_burst}, spent by the
 * claim that takes a job with that key. Dialect-neutral SQL.
 *
 * <p>Runs inside the claim's write transaction, after the queue's {@code weft_queues} row was
 * locked ({@code for update} on PostgreSQL, the database write lock on SQLite): claimers of one
 * queue are serialized there, so reading the buckets and writing them back cannot race. Jobs
 * without a rate key are not limited by it. Not thread-safe: one instance per claim.
 *
 * <p>The candidate query leaves out keys whose bucket holds less than one token, so an exhausted
 * key never hides other keys' jobs behind it; among the rest it reads a window of due jobs in claim
 * order and takes each while its key has tokens left.
 */
final class KeyedClaim {

  private final String queue;
  private final double perMs;
  private final int burst;
  private final long now;

  KeyedClaim(String queue, double perSecond, int burst, long now) {
    this.queue = queue;
    this.perMs = perSecond / 1000.0;
    this.burst = burst;
    this.now = now;
  }

  /** Claims up to {@code max} due jobs that the key buckets allow, and spends from the buckets. */
  List<Job> claim(Connection c, String workerId, int max, String token, long expires)
      throws SQLException {
    List<Long> ids = new ArrayList<>();
    List<@Nullable String> keys = new ArrayList<>();
    readCandidates(c, max, ids, keys);
    Map<String, Double> allowance = allowances(c, keys);
    Map<String, Integer> used = new HashMap<>();
    List<Long> picked = new ArrayList<>();
    for (int i = 0; i < ids.size() && picked.size() < max; i++) {
      String key = keys.get(i);
      if (key != null) {
        int u = used.getOrDefault(key, 0);
        if (u + 1 > allowance.getOrDefault(key, (double) burst)) {
          continue;
        }
        used.put(key, u + 1);
      }
      picked.add(ids.get(i));
    }
    if (picked.isEmpty()) {
      return List.of();
    }
    List<Job> claimed = take(c, picked, workerId, token, expires);
    Map<String, Integer> spent = new HashMap<>();
    for (Job j : claimed) {
      if (j.rateKey() != null) {
        spent.merge(j.rateKey(), 1, Integer::sum);
      }
    }
    spend(c, allowance, spent);
    return claimed;
  }

  private void readCandidates(Connection c, int max, List<Long> ids, List<@Nullable String> keys)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select c.id, c.rate_key from weft_jobs c where c.queue = ? and c.state in "
                + DUE
                + " and c.run_at <= ? and "
                + NOT_PAUSED
                + " and "
                + PARENTS_DONE
                + " and (c.rate_key is null or not exists (select 1 from weft_rate_keys k"
                + " where k.queue = c.queue and k.rate_key = c.rate_key"
                + " and k.tokens + (? - k.refilled_at) * ? < 1))"
                + " order by c.priority desc, c.run_at, c.id limit ?")) {
      ps.setString(1, queue);
      ps.setLong(2, now);
      ps.setLong(3, now);
      ps.setDouble(4, perMs);
      ps.setInt(5, Math.min(max * 4 + 32, 4000));
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          ids.add(r.getLong(1));
          keys.add(r.getString(2));
        }
      }
    }
  }

  /** {@return the whole tokens each key's bucket holds now (a full bucket for keys without one)} */
  private Map<String, Double> allowances(Connection c, List<@Nullable String> keys)
      throws SQLException {
    Map<String, Double> out = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select tokens, refilled_at from weft_rate_keys where queue = ? and rate_key = ?")) {
      for (String key : keys) {
        if (key == null || out.containsKey(key)) {
          continue;
        }
        ps.setString(1, queue);
        ps.setString(2, key);
        double tokens = burst;
        try (ResultSet r = ps.executeQuery()) {
          if (r.next()) {
            tokens = Math.min(burst, r.getDouble(1) + Math.max(0, now - r.getLong(2)) * perMs);
          }
        }
        out.put(key, tokens);
      }
    }
    return out;
  }

  private List<Job> take(
      Connection c, List<Long> picked, String workerId, String token, long expires)
      throws SQLException {
    StringJoiner in = new StringJoiner(",", "(", ")");
    for (int i = 0; i < picked.size(); i++) {
      in.add("?");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "update weft_jobs set state = 'running', attempt = attempt + 1, lease_token = ?,"
                + " lease_expires_at = ?, worker_id = ? where id in "
                + in
                + " and state in "
                + DUE
                + " returning "
                + COLUMNS)) {
      ps.setString(1, token);
      ps.setLong(2, expires);
      ps.setString(3, workerId);
      for (int i = 0; i < picked.size(); i++) {
        ps.setLong(4 + i, picked.get(i));
      }
      try (ResultSet r = ps.executeQuery()) {
        return Rows.readJobs(r);
      }
    }
  }

  private void spend(Connection c, Map<String, Double> allowance, Map<String, Integer> spent)
      throws SQLException {
    if (spent.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into weft_rate_keys (queue, rate_key, tokens, refilled_at) values (?,?,?,?)"
                + " on conflict (queue, rate_key) do update set tokens = excluded.tokens,"
                + " refilled_at = excluded.refilled_at")) {
      for (Map.Entry<String, Integer> e : spent.entrySet()) {
        ps.setString(1, queue);
        ps.setString(2, e.getKey());
        ps.setDouble(3, allowance.getOrDefault(e.getKey(), (double) burst) - e.getValue());
        ps.setLong(4, now);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Deletes the buckets untouched since {@code before} that were full by then (or whose queue has
   * no per-key limit any more): a missing bucket counts as full, so nothing changes but the table's
   * size.
   *
   * @return how many buckets it deleted
   */
  static int forgetFullBuckets(Connection c, long before) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "delete from weft_rate_keys where refilled_at < ? and not exists (select 1 from"
                + " weft_queues q where q.queue = weft_rate_keys.queue and q.key_per_second is not"
                + " null and weft_rate_keys.tokens + (? - weft_rate_keys.refilled_at)"
                + " * q.key_per_second / 1000.0 < q.key_burst)")) {
      ps.setLong(1, before);
      ps.setLong(2, before);
      return ps.executeUpdate();
    }
  }
}
