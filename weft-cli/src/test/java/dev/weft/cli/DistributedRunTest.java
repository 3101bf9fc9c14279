package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft run --db}, {@code weft worker} and {@code weft status --db} on a real PostgreSQL. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DistributedRunTest {

  @TempDir Path dir;

  private static String[] inputs(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(String::valueOf).toArray(String[]::new);
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file).stream()
        .sorted((x, y) -> Integer.compare(Integer.parseInt(x), Integer.parseInt(y)))
        .toList();
  }

  @Test
  void runExecutesEveryJobExactlyOnceAndAgainEnqueuesNothing() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_run");
    Path marks = dir.resolve("marks");
    String[] args =
        concat(
            new String[] {
              "run", "--db", db, "-j", "4", "echo {} >> " + marks + "; echo out-{}", ":::"
            },
            inputs(30));
    Cli c = Cli.run("", args);
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(lines(marks)).containsExactly(inputs(30));
    for (String i : inputs(30)) {
      assertThat(c.out()).contains("out-" + i + "\n");
    }
    assertThat(c.err()).contains(": 30 new jobs;");

    Cli again = Cli.run("", args);
    assertThat(again.exit).as(again.err()).isZero();
    assertThat(again.err()).contains(": 0 new jobs;");
    assertThat(lines(marks)).containsExactly(inputs(30));
  }

  @Test
  void failedJobsAreRetriedThenDeadAndCountedInTheExitStatusAndStatus() throws IOException {
    String db = CliPostgres.freshPostgresUrl("weft_cli_fail");
    Path tries = dir.resolve("tries");
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
            "echo {} >> " + tries + "; test {} -lt 3",
            ":::",
            "1",
            "2",
            "3",
            "4");
    assertThat(c.exit).as(c.err()).isEqualTo(2);
    assertThat(lines(tries)).containsExactly("1", "2", "3", "3", "4", "4");

    Cli s = Cli.run("", "status", "--db", db);
    assertThat(s.exit).as(s.err()).isZero();
    String queue = c.err().replaceFirst("(?s).*queue (weft-run-[0-9a-f]+):.*", "$1");
    assertThat(s.out()).containsPattern(queue + " +0 +0 +0 +0 +2 +2 +0 ");
    assertThat(s.out()).contains("dead  " + queue).contains("test 3 -lt 3: exit 1");
  }

  @Test
  void aSecondWorkerDrainsTheQueueTogetherWithTheRun() throws Exception {
    String db = CliPostgres.freshPostgresUrl("weft_cli_worker");
    Path started = dir.resolve("started");
    // every job waits until two jobs have started: with -j 1 in each process, the run alone
    // would wait for ever, so finishing proves the worker took part
    String cmd =
        "echo {} >> "
            + started
            + "; until [ $(wc -l < "
            + started
            + ") -ge 2 ]; do sleep 0.01; done; echo out-{}";
    CountDownLatch enqueued = new CountDownLatch(1);
    ByteArrayOutputStream runErr = new ByteArrayOutputStream();
    ByteArrayOutputStream runOut = new ByteArrayOutputStream();
    AtomicInteger runExit = new AtomicInteger(-1);
    OutputStream watchedErr =
        new OutputStream() {
          @Override
          public synchronized void write(int b) {
            runErr.write(b);
            if (runErr.toString(StandardCharsets.UTF_8).contains("new jobs")) {
              enqueued.countDown();
            }
          }
        };
    Thread run =
        new Thread(
            () ->
                runExit.set(
                    Main.run(
                        concat(new String[] {"run", "--db", db, "-j", "1", cmd, ":::"}, inputs(6)),
                        new ByteArrayInputStream(new byte[0]),
                        new PrintStream(runOut, true, StandardCharsets.UTF_8),
                        new PrintStream(watchedErr, true, StandardCharsets.UTF_8))),
            "test-run");
    run.start();
    enqueued.await();
    Cli worker = Cli.run("", "worker", "--db", db, "-j", "1");
    run.join();
    assertThat(worker.exit).as(worker.err()).isZero();
    assertThat(runExit.get()).as(runErr.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(worker.err()).contains("working on weft-run-");
    assertThat(lines(started)).containsExactly(inputs(6));
    String both = runOut.toString(StandardCharsets.UTF_8) + worker.out();
    for (String i : inputs(6)) {
      assertThat(both).containsOnlyOnce("out-" + i + "\n");
    }
    assertThat(worker.out()).contains("out-");
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
  void optionsTheQueueDoesNotHonourYetAreOneLineAndHelpListsWorker() {
    String db = CliPostgres.freshPostgresUrl("weft_cli_options");
    Cli c = Cli.run("", "run", "--db", db, "--keep-order", "echo", ":::", "a");
    assertThat(c.exit).isEqualTo(255);
    assertThat(c.err()).startsWith("weft: --db does not combine with").hasLineCount(1);
    Cli help = Cli.run("", "help");
    assertThat(help.out()).contains("worker").contains("status");
    Cli workerHelp = Cli.run("", "help", "worker");
    assertThat(workerHelp.out()).contains("--db").contains("--queue").contains("-j");
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
