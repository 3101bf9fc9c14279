package dev.weft.cli;

import dev.weft.jobs.JobQueue;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft status}: the runs recorded in a state file, with their counts. */
@Command(
    name = "status",
    description = "Shows the runs recorded in the state, or with --db the shared queues.")
final class StatusCommand implements Callable<Integer> {

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description = "SQLite state file (default .weft/state.db).")
  Path state = Path.of(".weft", "state.db");

  @Option(
      names = "--db",
      paramLabel = "URL",
      description = "postgres://... : the shared queues instead: counts, rate, dead jobs, workers.")
  @Nullable String db;

  private final PrintStream out;

  StatusCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    String url = db;
    if (url != null) {
      DatabaseUrl.parse(url).checkReachable(url, Duration.ofSeconds(5));
      try (JobQueue jobs = JobQueue.open(url)) {
        QueueStatus.print(jobs, out);
      }
      return 0;
    }
    if (!Files.exists(state)) {
      throw new BadInput("--state '" + state + "' does not exist (no run recorded here yet)");
    }
    RunState.checkSqlite(state);
    SqliteNative.useCache();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + state);
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT r.key, r.status, r.started, r.updated, r.command,"
                    + " (SELECT count(*) FROM jobs j WHERE j.run = r.key AND j.ok = 1),"
                    + " (SELECT count(*) FROM jobs j WHERE j.run = r.key AND j.ok = 0),"
                    + " (SELECT coalesce(sum(attempts), 0) FROM jobs j WHERE j.run = r.key)"
                    + " FROM runs r ORDER BY r.updated DESC")) {
      out.printf(
          "%-24s %-11s %9s %9s %9s  %-24s %s%n",
          "run", "status", "ok", "failed", "tries", "updated", "command");
      while (r.next()) {
        out.printf(
            "%-24s %-11s %9d %9d %9d  %-24s %s%n",
            r.getString(1),
            r.getString(2),
            r.getLong(6),
            r.getLong(7),
            r.getLong(8),
            r.getString(4),
            r.getString(5).replace('\n', ' ').strip());
      }
      return 0;
    } catch (SQLException e) {
      throw new BadInput("--state '" + state + "' cannot be read: " + e.getMessage(), e);
    }
  }
}
