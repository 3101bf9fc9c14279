package dev.weft.jobs.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Kills worker JVMs with SIGKILL while they drain a queue and checks that no job is lost and that
 * only jobs a kill cut short ran more than once.
 */
abstract class KillTestBase {

  static final String QUEUE = "crash";
  static final long LEASE_MS = 5000;

  /** {@return where the workers and the test open the queue} */
  abstract String location();

  /** The outcome of one run, printed for the report. */
  record Report(int jobs, int kills, int duplicates, int startedInKilledWorkers) {}

  Report run(Path dir, int jobCount, int workers, int kills, long killEveryMs) throws Exception {
    String location = location();
    try (JobQueue jobs = JobQueue.open(location)) {
      enqueue(jobs, jobCount);
      List<Proc> running = new ArrayList<>();
      List<Proc> killed = new ArrayList<>();
      List<Proc> all = new ArrayList<>();
      int serial = 0;
      for (int i = 0; i < workers; i++) {
        Proc p = start(dir, location, serial++);
        running.add(p);
        all.add(p);
      }
      Random random = new Random(42);
      try {
        for (int k = 0; k < kills && succeeded(jobs) < jobCount; k++) {
          Proc victim = running.get(random.nextInt(running.size()));
          // pacing: let the victim start some jobs, then give it killEveryMs more of work
          long paced = 0;
          while (Files.size(victim.log) < 200 && paced < 60_000 && succeeded(jobs) < jobCount) {
            assertThat(victim.process.waitFor(100, TimeUnit.MILLISECONDS))
                .as("worker %s exited on its own; see %s", victim.serial, victim.err)
                .isFalse();
            paced += 100;
          }
          assertThat(victim.process.waitFor(killEveryMs, TimeUnit.MILLISECONDS))
              .as("worker %s exited on its own; see %s", victim.serial, victim.err)
              .isFalse();
          victim.process.destroyForcibly();
          victim.process.waitFor();
          running.remove(victim);
          killed.add(victim);
          Proc fresh = start(dir, location, serial++);
          running.add(fresh);
          all.add(fresh);
        }
        long deadline = TimeUnit.MINUTES.toMillis(10);
        long waited = 0;
        while (succeeded(jobs) < jobCount) {
          for (Proc p : running) {
            assertThat(p.process.isAlive()).as("worker %s died; see %s", p.serial, p.err).isTrue();
          }
          running.getFirst().process.waitFor(250, TimeUnit.MILLISECONDS);
          waited += 250;
          assertThat(waited).as("jobs did not drain: %s", jobs.counts(QUEUE)).isLessThan(deadline);
        }
      } finally {
        for (Proc p : running) {
          p.process.destroy(); // SIGTERM: the shutdown hook closes the worker gracefully
        }
        for (Proc p : running) {
          if (!p.process.waitFor(30, TimeUnit.SECONDS)) {
            p.process.destroyForcibly();
          }
        }
      }
      assertThat(jobs.counts(QUEUE))
          .containsEntry(JobState.SUCCEEDED, (long) jobCount)
          .containsEntry(JobState.DEAD, 0L)
          .containsEntry(JobState.RUNNING, 0L);
      Map<Long, Integer> starts = new HashMap<>();
      Map<Long, Integer> startsInKilled = new HashMap<>();
      Set<Proc> killedSet = new HashSet<>(killed);
      for (Proc p : all) {
        for (String line : Files.readAllLines(p.log)) {
          if (line.startsWith("S ")) {
            long id = Long.parseLong(line.split(" ")[1]);
            starts.merge(id, 1, Integer::sum);
            if (killedSet.contains(p)) {
              startsInKilled.merge(id, 1, Integer::sum);
            }
          }
        }
      }
      assertThat(starts).hasSize(jobCount);
      int duplicates = 0;
      for (Map.Entry<Long, Integer> e : starts.entrySet()) {
        int extra = e.getValue() - 1;
        if (extra > 0) {
          duplicates += extra;
          assertThat(startsInKilled.getOrDefault(e.getKey(), 0))
              .as(
                  "job %d ran %d times but only cut runs may repeat; history %s",
                  e.getKey(), e.getValue(), jobs.job(e.getKey()).orElseThrow().errors())
              .isGreaterThanOrEqualTo(extra);
        }
      }
      int startedInKilled = startsInKilled.size();
      Report r = new Report(jobCount, killed.size(), duplicates, startedInKilled);
      System.out.println("kill test on " + location.replaceAll("\\?.*", "") + ": " + r);
      return r;
    }
  }

  /** Enqueues {@code jobCount} "work" jobs with the unique keys {@code job-0, job-1, ...}. */
  static void enqueue(JobQueue jobs, int jobCount) {
    for (int i = 0; i < jobCount; i += 1000) {
      int n = Math.min(1000, jobCount - i);
      int base = i;
      jobs.enqueue(
          IntStream.range(0, n)
              .mapToObj(k -> NewJob.ofJson(QUEUE, "work", "{}").withUniqueKey("job-" + (base + k)))
              .toList());
    }
  }

  static long succeeded(JobQueue jobs) {
    return jobs.counts(QUEUE).get(JobState.SUCCEEDED);
  }

  record Proc(int serial, Process process, Path log, Path err) {}

  static Proc start(Path dir, String location, int serial) throws IOException {
    Path log = dir.resolve("worker-" + serial + ".log");
    Path err = dir.resolve("worker-" + serial + ".err");
    Files.createFile(log);
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    List<String> cmd =
        List.of(
            java,
            "-Xmx192m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xshare:auto",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            WorkerProcess.class.getName(),
            location,
            QUEUE,
            "8",
            log.toString(),
            String.valueOf(LEASE_MS));
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(dir.resolve("worker-" + serial + ".out").toFile())
            .redirectError(err.toFile())
            .start();
    return new Proc(serial, p, log, err);
  }
}
