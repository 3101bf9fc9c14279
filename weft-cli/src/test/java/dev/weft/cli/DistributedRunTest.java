package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.QueueLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft run --db}, {@code weft worker} and {@code weft status --db} on a real PostgreSQL,
 * with real {@code weft worker} processes where it matters. Jobs that must overlap wait in the
 * shell until enough of them started (a real event), never for a time.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DistributedRunTest {

  @TempDir Path dir;

  private static String[] inputs(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(String::valueOf).toArray(String[]::new);
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static List<String> sortedNumbers(Path file) throws IOException {
    return Files.readAllLines(file).stream()
        .sorted((x, y) -> Integer.compare(Integer.parseInt(x), Integer.parseInt(y)))
        .toList();
  }

  /** A shell snippet that records {@code {}} in {@code file} and waits until n lines are there. */
  private static String startedTogether(Path file, int n) {
    return "echo {} >> "
        + file
        + "; until [ $(wc -l < "
        + file
        + ") -ge "
        + n
        + " ]; do sleep 0.01; done";
  }

  private static String queueOf(Cli c) {
    return c.err().replaceFirst("(?s).*queue (weft-run-[0-9a-f]+):.*", "$1");
  }

  /**
   * A real {@code weft} JVM ({@code worker} unless told {@code run}); its stdout and stderr go to
   * files, so nothing is lost when it exits while being read.
   */
  static final class WorkerProcess implements AutoCloseable {
    final Process process;
    final Path outFile;
    final Path errFile;

    WorkerProcess(Path outFile, String... args) throws IOException {
      this.outFile = outFile;
      this.errFile = outFile.resolveSibling(outFile.getFileName() + ".err");
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElseThrow());
      cmd.add("--enable-native-access=ALL-UNNAMED");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("dev.weft.cli.Main");
      if (!args[0].equals("run")) {
        cmd.add("worker");
      }
      cmd.addAll(List.of(args));
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile());
      pb.environment().put("WHO", "worker");
      process = pb.start();
      process.getOutputStream().close();
    }

    /** Waits until its stderr says {@code text} (a real event, bounded by the test timeout). */
    void awaitErr(String text) throws IOException, InterruptedException {
      awaitFile(errFile, () -> err().contains(text) || !process.isAlive());
      assertThat(err()).contains(text);
    }

    String out() throws IOException {
      return Files.readString(outFile);
    }

    String err() throws IOException {
      return Files.exists(errFile) ? Files.readString(errFile) : "";
    }

    /** Stops it as Ctrl-C would (SIGTERM) and {@return its exit code}. */
    int stop() throws InterruptedException {
      process.destroy();
      return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }

  /** A condition on files that may throw. */
  @FunctionalInterface
  interface FileCondition {
    boolean holds() throws IOException;
  }

  /**
   * Waits until {@code done} holds, checking again on every change in {@code file}'s folder (the
   * file system's events; the one-second poll only guards against a missed event).
   */
  static void awaitFile(Path file, FileCondition done) throws IOException, InterruptedException {
    try (java.nio.file.WatchService watch = file.getFileSystem().newWatchService()) {
      file.getParent()
          .register(
              watch,
              java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
              java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
      while (!done.holds()) {
        java.nio.file.WatchKey k = watch.poll(1, TimeUnit.SECONDS);
        if (k != null) {
          k.pollEvents();
          k.reset();
        }
      }
    }
  }

  @Test
  void runExecutesEveryJobOnceResumeAddsNothingAndAFreshRunRunsAllAgain() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_run");
    Path marks = dir.resolve("marks");
    String[] args =
        concat(
            new String[] {
              "run", "--db", db, "-j", "4", "echo {} >> " + marks + "; echo out-{}", ":::"
            },
            inputs(12));
    Cli c = Cli.run("", args);
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(sortedNumbers(marks)).containsExactly(inputs(12));
    for (String i : inputs(12)) {
      assertThat(c.out()).containsOnlyOnce("out-" + i + "\n");
    }
    assertThat(c.err()).contains(": 12 new jobs;");

    Cli resumed =
        Cli.run(
            "", concat(new String[] {"run", "--resume"}, Arrays.copyOfRange(args, 1, args.length)));
    assertThat(resumed.exit).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains(": 0 new jobs;").contains(queueOf(c));
    assertThat(resumed.out()).isEmpty();
    assertThat(sortedNumbers(marks)).containsExactly(inputs(12));

    Cli again = Cli.run("", args);
    assertThat(again.exit).as(again.err()).isZero();
    assertThat(again.err()).contains(": 12 new jobs;");
    assertThat(queueOf(again)).isNotEqualTo(queueOf(c));
    assertThat(sortedNumbers(marks)).hasSize(24);
  }

  @Test
  void failedJobsAreRetriedThenDeadAndCountedInTheExitStatusAndStatus() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_fail");
    Path tries = dir.resolve("tries");
    Path log = dir.resolve("joblog");
    Path dead = dir.resolve("dead");
    Path results = dir.resolve("results");
    Cli c =
        Cli.run(
            "",
            "run",
            "--db",
            db,
            "--retries",
            "2",
            "--backoff",
            "none",
            "--joblog",
            log.toString(),
            "--dead-letter",
            dead.toString(),
            "--results",
            results.toString(),
            "echo {} >> " + tries + "; test {} -lt 3",
            ":::",
            "1",
            "2",
            "3",
            "4");
    assertThat(c.exit).as(c.err()).isEqualTo(2);
    assertThat(sortedNumbers(tries)).containsExactly("1", "2", "3", "3", "4", "4");
    List<String> logLines = Files.readAllLines(log);
    assertThat(logLines.getFirst()).startsWith("Seq\tHost\tStarttime");
    assertThat(logLines).hasSize(7); // header and every try
    assertThat(logLines.stream().filter(l -> l.matches("3\t:\t.*\t1\t0\t.*; test 3 -lt 3$")))
        .hasSize(2);
    assertThat(Files.readAllLines(dead)).containsExactlyInAnyOrder("3", "4");
    assertThat(Files.readAllLines(results))
        .hasSize(4)
        .anyMatch(l -> l.contains("\"job\":3") && l.contains("\"attempts\":2"));

    Cli s = Cli.run("", "status", "--db", db);
    assertThat(s.exit).as(s.err()).isZero();
    String queue = queueOf(c);
    assertThat(s.out()).containsPattern(queue + " +0 +0 +0 +0 +2 +2 +0 ");
    assertThat(s.out()).contains("dead  " + queue).contains("test 3 -lt 3: exit 1");
    assertThat(s.out()).doesNotContain("weft-out-");

    Cli again =
        Cli.run(
            "",
            "run",
            "--db",
            db,
            "--resume-failed",
            "--retries",
            "2",
            "--backoff",
            "none",
            "echo {} >> " + tries + "; test {} -lt 3",
            ":::",
            "1",
            "2",
            "3",
            "4");
    assertThat(again.err()).contains(queue);
    assertThat(again.exit).as(again.err()).isEqualTo(2);
    assertThat(sortedNumbers(tries))
        .containsExactly("1", "2", "3", "3", "3", "3", "4", "4", "4", "4");
  }

  @Test
  void aWorkerProcessWaitsForARunJoinsItAndTheRunPrintsEveryOutputInOrder() throws Exception {
    String db = CliPostgres.freshPostgresUrl("weft_cli_worker");
    Path started = dir.resolve("started");
    Path log = dir.resolve("joblog");
    // every job waits until two jobs have started: with -j 1 in each process, the run alone
    // would wait for ever, so finishing proves the worker took part
    String cmd = startedTogether(started, 2) + "; echo out-{}-$WHO; test {} -ne 4";
    try (WorkerProcess worker =
        new WorkerProcess(dir.resolve("worker.out"), "--db", db, "-j", "1", "--poll", "1m")) {
      worker.awaitErr("waiting for runs");
      Cli run =
          Cli.run(
              "",
              concat(
                  new String[] {
                    "run", "--db", db, "-j", "1", "-k", "--joblog", log.toString(), cmd, ":::"
                  },
                  inputs(6)));
      assertThat(run.exit).as(run.err()).isEqualTo(1);
      assertThat(sortedNumbers(started)).containsExactly(inputs(6));
      // every output, wherever it ran, printed by the run, in job order
      assertThat(run.out().lines().map(l -> l.replaceFirst("-worker$", "-")).toList())
          .containsExactly("out-1-", "out-2-", "out-3-", "out-4-", "out-5-", "out-6-");
      assertThat(run.out()).containsPattern("out-\\d-worker");
      List<String> logLines = Files.readAllLines(log);
      assertThat(logLines).hasSize(7);
      assertThat(logLines.stream().skip(1).map(l -> l.split("\t")[0]).sorted().toList())
          .containsExactly(inputs(6));
      assertThat(logLines).anyMatch(l -> l.matches("4\t.*\t1\t0\t.*"));
      assertThat(worker.stop()).isNotEqualTo(255);
      assertThat(worker.out()).isEmpty();
      assertThat(worker.err()).contains("working on " + queueOf(run));
    }
  }

  @Test
  void ctrlCOnARunGivesItsJobsBackAndResumeFinishesThem() throws Exception {
    String db = CliPostgres.freshPostgresUrl("weft_cli_interrupt");
    Path started = dir.resolve("marks").resolve("started");
    Files.createDirectories(started.getParent());
    Path flag = dir.resolve("flag");
    String cmd =
        "if [ -e " + flag + " ]; then echo done-{}; else echo {} >> " + started + "; sleep 60; fi";
    String[] args = {"run", "--db", db, "-j", "2", cmd, ":::", "1", "2"};
    try (WorkerProcess run = new WorkerProcess(dir.resolve("run.out"), args)) {
      awaitFile(started, () -> Files.exists(started) && Files.readAllLines(started).size() >= 2);
      assertThat(run.stop()).isEqualTo(255);
      assertThat(run.err()).contains("weft: interrupted;");
      assertThat(run.out()).isEmpty();
    }
    // both jobs are available again at once (not running until their leases expire)
    Cli s = Cli.run("", "status", "--db", db);
    assertThat(s.out()).containsPattern("weft-run-[0-9a-f]+ +0 +2 +0 +0 +0 +0 +0 ");
    Files.createFile(flag);
    // the interrupted run gave its two jobs back at once: resuming runs them, without waiting
    // for a lease to expire
    Cli resumed =
        Cli.run(
            "", concat(new String[] {"run", "--resume"}, Arrays.copyOfRange(args, 1, args.length)));
    assertThat(resumed.exit).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains(": 0 new jobs;");
    assertThat(resumed.out().lines().sorted().toList()).containsExactly("done-1", "done-2");
  }

  @Test
  void exitWhenIdleWorkerExitsAtOnceWithNothingToDo() {
    String db = CliPostgres.freshPostgresUrl("weft_cli_idle");
    Cli w = Cli.run("", "worker", "--db", db, "--exit-when-idle");
    assertThat(w.exit).as(w.err()).isZero();
    assertThat(w.err()).isEqualTo("weft: no run has unfinished jobs\n");
  }

  @Test
  void slotIsTheSlotOfTheProcessThatRanTheJob() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_slot");
    Path started = dir.resolve("started");
    Cli c =
        Cli.run(
            "",
            "run",
            "--db",
            db,
            "-j",
            "2",
            startedTogether(started, 2) + "; echo slot-{%}",
            ":::",
            "a",
            "b");
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(c.out().lines().sorted().toList()).containsExactly("slot-1", "slot-2");
  }

  @Test
  void dependenciesRunInOrderAndDependantsOfAFailedJobAreSkipped() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_dag");
    Path order = dir.resolve("order");
    Path file = dir.resolve("jobs.jsonl");
    Files.writeString(
        file,
        String.join(
            "\n",
            "{\"id\":\"c\",\"cmd\":\"echo c >> " + order + "\",\"needs\":[\"b\"]}",
            "{\"id\":\"a\",\"cmd\":\"echo a >> " + order + "\"}",
            "{\"id\":\"b\",\"cmd\":\"echo b >> " + order + "\",\"needs\":[\"a\"]}",
            "{\"id\":\"x\",\"cmd\":\"exit 5\"}",
            "{\"id\":\"y\",\"cmd\":\"echo y >> " + order + "\",\"needs\":[\"x\"]}",
            "{\"id\":\"z\",\"cmd\":\"echo z >> " + order + "\",\"needs\":[\"y\"]}"));
    Cli c = Cli.run("", "run", "--db", db, "-j", "3", "--jobs", file.toString());
    assertThat(c.exit).as(c.err()).isEqualTo(3);
    assertThat(Files.readAllLines(order)).containsExactly("a", "b", "c");
    assertThat(c.err())
        .contains("weft: skipped y (needs x, which failed)")
        .contains("weft: skipped z (needs y, which was skipped)");
  }

  @Test
  void haltNowKillsTheRunningJobsAndExitsWithTheFailingJobsCode() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_halt");
    Path started = dir.resolve("started");
    Path log = dir.resolve("joblog");
    // job 1 fails once the other two run; they would sleep for a minute unless killed
    String cmd =
        "if [ {} = 1 ]; then until [ $(wc -l < "
            + started
            + " 2>/dev/null || echo 0) -ge 2 ]; do sleep 0.01; done; exit 7;"
            + " else echo {} >> "
            + started
            + "; sleep 60; fi";
    Cli c =
        Cli.run(
            "",
            "run",
            "--db",
            db,
            "-j",
            "3",
            "--halt",
            "now,fail=1",
            "--joblog",
            log.toString(),
            cmd,
            ":::",
            "1",
            "2",
            "3",
            "4",
            "5");
    assertThat(c.exit).as(c.err()).isEqualTo(7);
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).anyMatch(l -> l.matches("1\t.*\t7\t0\t.*"));
    assertThat(lines).anyMatch(l -> l.matches("2\t.*\t-1\t15\t.*"));
    // a job claimed before the halt reached its worker is killed at once, never run through
    assertThat(lines)
        .filteredOn(l -> l.startsWith("4\t") || l.startsWith("5\t"))
        .allMatch(l -> l.matches(".*\t-1\t15\t.*"));
  }

  @Test
  void rateIsTheQueuesLimitInTheDatabase() {
    String db = CliPostgres.freshPostgresUrl("weft_cli_rate");
    Cli c = Cli.run("", "run", "--db", db, "--rate", "50/s", "--bar", "true", ":::", "a", "b");
    assertThat(c.exit).as(c.err()).isZero();
    try (JobQueue q = JobQueue.open(db)) {
      assertThat(q.limits(queueOf(c)))
          .hasValueSatisfying(l -> assertThat(l.perSecond()).isEqualTo(50.0));
      assertThat(q.limits(queueOf(c)).map(QueueLimits::burst)).contains(1);
    }
  }

  @Test
  void aTimedOutTryIsKilledAndTheJobDeadWithTheReason() {
    String db = CliPostgres.freshPostgresUrl("weft_cli_timeout");
    Cli c = Cli.run("", "run", "--db", db, "--timeout", "200ms", "sleep {}", ":::", "30");
    assertThat(c.exit).as(c.err()).isEqualTo(1);
    Cli s = Cli.run("", "status", "--db", db);
    assertThat(s.out()).contains("sleep 30: timed out after PT0.2S");
  }

  @Test
  void helpListsWorkerAndItsOptions() {
    Cli help = Cli.run("", "help");
    assertThat(help.out()).contains("worker").contains("status");
    Cli workerHelp = Cli.run("", "help", "worker");
    assertThat(workerHelp.out())
        .contains("--db")
        .contains("--queue")
        .contains("-j")
        .contains("--exit-when-idle");
  }

  @Test
  void unreachableDatabaseIsOneLineAndExit255() {
    for (String[] args :
        List.of(
            new String[] {"worker", "--db", "postgres://127.0.0.1:1/weft"},
            new String[] {"status", "--db", "postgres://127.0.0.1:1/weft"},
            new String[] {"run", "--db", "postgres://127.0.0.1:1/weft", "echo", ":::", "a"})) {
      Cli c = Cli.run("", args);
      assertThat(c.exit).isEqualTo(255);
      assertThat(c.out()).isEmpty();
      assertThat(c.err())
          .isEqualTo(
              "weft: --db 'postgres://127.0.0.1:1/weft' is unreachable: connection refused\n");
    }
  }
}
