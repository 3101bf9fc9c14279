package dev.weft.jobs.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.TestPostgres;
import dev.weft.jobs.Worker;
import dev.weft.time.TimeSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000,000 jobs through PostgreSQL with pruning on: the table's size on disk levels off instead of
 * growing with the number of jobs processed. Soak: several minutes.
 */
@Tag("soak")
class PruningSoakTest {

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void aMillionJobsWithPruningKeepTheTableBounded() throws Exception {
    String url = TestPostgres.freshDatabase("weft_prune");
    int rounds = 50;
    int perRound = 20_000;
    List<Long> sizes = new ArrayList<>();
    try (JobQueue jobs = JobQueue.postgres(url, 8, TimeSource.system());
        Worker w =
            jobs.worker("prune")
                .concurrency(256)
                .pollInterval(Duration.ofMillis(50))
                .handler("noop", ctx -> JobOutcome.success())
                .start()) {
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement()) {
        s.execute(
            "alter table weft_jobs set (autovacuum_vacuum_scale_factor = 0.01,"
                + " autovacuum_vacuum_threshold = 1000, fillfactor = 80)");
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < perRound; i += 1000) {
          jobs.enqueue(
              IntStream.range(0, 1000)
                  .mapToObj(k -> NewJob.ofJson("prune", "noop", "{}"))
                  .toList());
        }
        assertThat(w.awaitDrained(Duration.ofMinutes(5))).isTrue();
        jobs.purgeFinished(Duration.ZERO);
        try (Connection c = DriverManager.getConnection(url);
            Statement s = c.createStatement()) {
          s.execute("vacuum weft_jobs"); // what autovacuum does, made deterministic
          try (ResultSet rs = s.executeQuery("select pg_total_relation_size('weft_jobs')")) {
            rs.next();
            sizes.add(rs.getLong(1));
            System.out.println("round " + r + ": weft_jobs is " + rs.getLong(1) + " bytes");
          }
        }
      }
      assertThat(jobs.counts("prune").getOrDefault(JobState.SUCCEEDED, 0L)).isZero();
    }
    System.out.println("weft_jobs size after each 20,000 jobs (bytes): " + sizes);
    long early = sizes.get(4);
    long late = sizes.getLast();
    // a table that grew with the jobs processed would be ~10x larger at the end than after round 5
    assertThat(late).isLessThan(early * 2);
  }
}
