package dev.weft.jobs.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import dev.weft.time.TimeSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Tagged soak: it restarts a server and runs for ~40 s. Workers ride out a PostgreSQL restart and a
 * proxy that silently drops connections, without being restarted and without losing a job. Uses a
 * PostgreSQL of its own, since it restarts it.
 */
@Tag("soak")
class PostgresOutageTest {

  static Map<String, String> pg = new HashMap<>();

  @BeforeAll
  static void startOwnPostgres() throws Exception {
    Process p =
        new ProcessBuilder("bash", script().toString(), "start")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        for (String a : line.replaceFirst("^export ", "").split(" ")) {
          int eq = a.indexOf('=');
          if (eq > 0) {
            pg.put(a.substring(0, eq), a.substring(eq + 1));
          }
        }
      }
    }
    assertThat(p.waitFor()).isZero();
  }

  @AfterAll
  static void stopOwnPostgres() throws Exception {
    new ProcessBuilder("bash", script().toString(), "stop", pg.get("WEFT_PG_DIR"))
        .inheritIO()
        .start()
        .waitFor();
  }

  static Path script() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("scripts/test-postgres"))) {
        return dir.resolve("scripts/test-postgres");
      }
    }
    throw new IllegalStateException("scripts/test-postgres not found");
  }

  static void restartPostgres() throws Exception {
    String bin =
        Files.list(Path.of("/usr/lib/postgresql"))
            .sorted()
            .toList()
            .getLast()
            .resolve("bin/pg_ctl")
            .toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                bin,
                "-D",
                pg.get("WEFT_PG_DIR") + "/data",
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                "restart"));
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.addAll(0, List.of("runuser", "-u", "postgres", "--"));
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(p.waitFor()).isZero();
  }

  static String url(int port) {
    // socketTimeout: a black-holed connection fails after 5 s instead of hanging for ever
    return "jdbc:postgresql://127.0.0.1:"
        + port
        + "/postgres?user=postgres&socketTimeout=5&connectTimeout=5";
  }

  interface Disruption {
    void disrupt() throws Exception;
  }

  void drainThrough(String url, int jobCount, int disruptions, Disruption d) throws Exception {
    try (JobQueue setup = JobQueue.open(url(Integer.parseInt(pg.get("PGPORT"))))) {
      setup.store().enqueue(List.of(), setup.time().wallTime());
      try (var c = java.sql.DriverManager.getConnection(url(Integer.parseInt(pg.get("PGPORT"))));
          var s = c.createStatement()) {
        s.execute("truncate weft_jobs, weft_job_deps, weft_workers, weft_queues");
      }
      setup.enqueue(
          IntStream.range(0, jobCount)
              .mapToObj(i -> NewJob.ofJson("outage", "work", "{}"))
              .toList());
    }
    List<JobQueue> queues = new ArrayList<>();
    List<Worker> workers = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        JobQueue q = JobQueue.postgres(url, 4, TimeSource.system());
        queues.add(q);
        workers.add(
            q.worker("outage")
                .concurrency(8)
                .lease(Duration.ofSeconds(6))
                .pollInterval(Duration.ofMillis(250))
                .listener(e -> {
                  if (e instanceof dev.weft.jobs.JobEvent.StoreFailed f) {
                    System.err.println(f);
                  }
                })
                .handler(
                    "work",
                    ctx -> {
                      LockSupport.parkNanos(
                          ThreadLocalRandom.current()
                              .nextLong(1_000_000, 5_000_000)); // simulated work
                      return JobOutcome.success();
                    })
                .start());
      }
      for (int i = 0; i < disruptions; i++) {
        // pacing between disruptions, not a wait for a condition
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(700));
        d.disrupt();
      }
      boolean drained = workers.getFirst().awaitDrained(Duration.ofSeconds(90));
      if (!drained) {
        try (JobQueue check = JobQueue.open(url(Integer.parseInt(pg.get("PGPORT"))))) {
          System.err.println(
              "not drained: " + check.counts("outage") + " workers " + check.workers());
          check.jobs("outage", JobState.RUNNING, 3).forEach(j -> System.err.println(j));
        }
        for (Thread t : dev.weft.observe.WeftThreads.live()) {
          System.err.println(t + " " + java.util.Arrays.toString(t.getStackTrace()));
        }
      }
      assertThat(drained).isTrue();
    } finally {
      workers.forEach(Worker::close);
      queues.forEach(JobQueue::close);
    }
    try (JobQueue check = JobQueue.open(url(Integer.parseInt(pg.get("PGPORT"))))) {
      Map<JobState, Long> counts = check.counts("outage");
      assertThat(counts)
          .containsEntry(JobState.SUCCEEDED, (long) jobCount)
          .containsEntry(JobState.DEAD, 0L);
    }
  }

  @Test
  void workersRecoverFromAPostgresRestartWithoutLosingAJob() throws Exception {
    drainThrough(
        url(Integer.parseInt(pg.get("PGPORT"))), 3000, 2, PostgresOutageTest::restartPostgres);
  }

  @Test
  void workersRecoverFromAProxyThatSilentlyDropsConnections() throws Exception {
    try (DroppingProxy proxy = new DroppingProxy(Integer.parseInt(pg.get("PGPORT")))) {
      drainThrough(url(proxy.port()), 3000, 6, proxy::blackholeOne);
    }
  }
}
