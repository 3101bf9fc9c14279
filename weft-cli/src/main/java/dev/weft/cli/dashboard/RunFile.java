package dev.weft.cli.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The runs a {@code weft run} (or {@code weft fetch}) recorded in its SQLite state file ({@code
 * runs} and {@code jobs} tables), read-only: each run with its command, status and counts, and a
 * run's failed jobs. Opens a connection per read, so a run writing the file meanwhile is never
 * blocked for long (WAL). Thread-safe.
 */
final class RunFile {

  /**
   * One run: its counts of finished jobs and its mean job time; its size ({@code total}, -1 when
   * not known) and how to start it again ({@code argv} after {@code weft}, null when it cannot be,
   * in folder {@code cwd}), recorded by weft since the state file got those columns; {@code
   * doneSinceUpdated} counts the jobs finished since the run last started ({@code updated}).
   */
  record Run(
      String key,
      String command,
      String status,
      String started,
      String updated,
      long ok,
      long failed,
      long attempts,
      long meanMillis,
      long doneSinceUpdated,
      long total,
      @Nullable List<String> argv,
      @Nullable String cwd) {

    long done() {
      return ok + failed;
    }
  }

  /** One failed job of a run. */
  record Failure(long seq, String args, int exit, int attempts, long millis, String at) {}

  private final Path file;

  RunFile(Path file) {
    this.file = file;
  }

  /** {@return whether the file holds the tables of weft run} */
  boolean hasRuns() {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "select count(*) from sqlite_master where type = 'table' and name in"
                    + " ('runs', 'jobs')");
        ResultSet r = ps.executeQuery()) {
      return r.next() && r.getInt(1) == 2;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@return whether the file holds weft's job queue tables} */
  static boolean hasQueue(Path file) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro");
        PreparedStatement ps =
            c.prepareStatement(
                "select 1 from sqlite_master where type = 'table' and name = 'weft_jobs'");
        ResultSet r = ps.executeQuery()) {
      return r.next();
    } catch (SQLException e) {
      throw new IllegalArgumentException(
          "--state '" + file + "' cannot be read: " + e.getMessage(), e);
    }
  }

  /** {@return every run, most recently updated first} */
  List<Run> runs() {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "select r.key, r.command, r.status, r.started, r.updated,"
                    + " coalesce(sum(j.ok = 1), 0), coalesce(sum(j.ok = 0), 0),"
                    + " coalesce(sum(j.attempts), 0), coalesce(avg(j.millis), 0),"
                    + " coalesce(sum(j.at >= r.updated), 0), "
                    + (hasOrigin() ? "r.total, r.argv, r.cwd" : "null, null, null")
                    + " from runs r left join jobs j on j.run = r.key"
                    + " group by r.key order by r.updated desc limit 100");
        ResultSet r = ps.executeQuery()) {
      List<Run> out = new ArrayList<>();
      while (r.next()) {
        out.add(
            new Run(
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getString(5),
                r.getLong(6),
                r.getLong(7),
                r.getLong(8),
                Math.round(r.getDouble(9)),
                r.getLong(10),
                r.getObject(11) == null ? -1 : r.getLong(11),
                argv(r.getString(12)),
                r.getString(13)));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the runs of " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@return the run {@code key}, if recorded} */
  Optional<Run> run(String key) {
    return runs().stream().filter(r -> r.key().equals(key)).findFirst();
  }

  /** {@return up to {@code limit} failed jobs of run {@code key}, in input order} */
  List<Failure> failures(String key, int limit) {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "select seq, args, exit, attempts, millis, at from jobs where run = ? and ok = 0"
                    + " order by seq limit ?")) {
      ps.setString(1, key);
      ps.setInt(2, limit);
      try (ResultSet r = ps.executeQuery()) {
        List<Failure> out = new ArrayList<>();
        while (r.next()) {
          out.add(
              new Failure(
                  r.getLong(1),
                  r.getString(2),
                  r.getInt(3),
                  r.getInt(4),
                  r.getLong(5),
                  r.getString(6)));
        }
        return out;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the failures of " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@return whether the runs table has the columns of a run's origin (weft since 2026-12-07)} */
  private boolean hasOrigin() throws SQLException {
    try (Connection c = connect();
        var s = c.createStatement();
        ResultSet r = s.executeQuery("pragma table_info(runs)")) {
      while (r.next()) {
        if (r.getString("name").equals("argv")) {
          return true;
        }
      }
      return false;
    }
  }

  private static @Nullable List<String> argv(@Nullable String json) {
    if (json == null) {
      return null;
    }
    try {
      return Json.MAPPER.readValue(json, new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      return null; // not written by weft: not replayable
    }
  }

  /**
   * {@return whether a weft process holds run {@code key} now}: probes the byte of {@code
   * FILE.lock} that {@code weft run} locks for the run while it runs (at the key's hash code), and
   * lets it go at once
   */
  boolean isRunning(String key) {
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock(key.hashCode() & 0x7fff_ffffL, 1, false);
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@return the state file} */
  Path file() {
    return file;
  }

  private Connection connect() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro");
    try (var s = c.createStatement()) {
      s.execute("pragma busy_timeout = 5000");
    }
    return c;
  }
}
