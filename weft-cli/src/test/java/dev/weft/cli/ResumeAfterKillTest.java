package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code weft run} itself (a child JVM), then {@code --resume}: every job runs,
 * and none that had finished runs twice.
 */
class ResumeAfterKillTest {

  @TempDir Path dir;

  private Process weft(String... args) throws IOException {
    return weft(Map.of(), args);
  }

  private Process weft(Map<String, String> env, String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(Child.weftCommand(args));
    pb.environment().putAll(env);
    return pb.directory(dir.toFile())
        .redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile())
        .start();
  }

  private Path err() {
    return dir.resolve("err.txt");
  }

  /**
   * {@return "-INT" (Ctrl-C), or "-TERM" when {@code p} ignores SIGINT} A program started in the
   * background by a non-interactive shell ({@code cmd &}, as {@code nohup scripts/gate-under-load
   * &} is) has SIGINT ignored, the JVM leaves it so, and every child inherits it: weft then never
   * sees the Ctrl-C (it is right not to: that is how the shell keeps background jobs alive). weft's
   * hook takes SIGTERM the same way, so the test sends that instead.
   */
  private static String ctrlC(Process p) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
      if (line.startsWith("SigIgn:")) {
        long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
        return (ignored & (1L << (2 - 1))) != 0 ? "-TERM" : "-INT"; // SIGINT is signal 2
      }
    }
    return "-INT";
  }

  private static List<Long> groups(List<String> lines) {
    return lines.stream().map(l -> Long.parseLong(l.trim())).toList();
  }

  @Test
  void ctrlCKillsTheRunningTreesRecordsAndExits255() throws Exception {
    Path fifo = dir.resolve("started");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Path marks = dir.resolve("marks");
    Path block = Files.createFile(dir.resolve("block"));
    String job =
        "echo {} >> "
            + marks
            + "; if [ -e "
            + block
            + " ] && [ {} -ge 2 ]; then echo $$ > "
            + fifo
            + "; exec sleep 1000; fi";
    Process weft = weft("run", "-j", "2", job, ":::", "1", "2", "3", "4");
    List<Long> groups = groups(Child.readLines(fifo, 2, weft, err()));
    assertThat(new ProcessBuilder("kill", ctrlC(weft), Long.toString(weft.pid())).start().waitFor())
        .isZero();
    assertThat(Child.awaitExit(weft, err())).isEqualTo(255);
    assertThat(Files.readString(dir.resolve("err.txt")))
        .contains("weft: interrupted; finished jobs are recorded, --resume runs the rest");
    assertThat(groups).noneMatch(ProcessTreeTest::alive);
    // job 1 finished and is recorded; 2 and 3 were killed, 4 never started: resume runs 2, 3, 4
    Files.delete(block);
    Process resumed = weft("run", "--resume", "-j", "2", job, ":::", "1", "2", "3", "4");
    assertThat(Child.awaitExit(resumed, err())).as(Files.readString(err())).isZero();
    assertThat(Files.readAllLines(marks))
        .filteredOn("1"::equals)
        .hasSize(1); // recorded before Ctrl-C: not run again
    assertThat(Files.readAllLines(marks)).contains("4");
  }

  @Test
  void killedRunResumesWithNothingLostAndNothingRepeated() throws Exception {
    Path fifo = dir.resolve("started");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Path marks = dir.resolve("marks");
    Path block = Files.createFile(dir.resolve("block"));
    // jobs 1-4 finish; 5 and 6 (started only once 1-4 are recorded: -j 2) announce their process
    // group on the fifo and hang until killed
    String job =
        "echo {} >> "
            + marks
            + "; if [ -e "
            + block
            + " ] && [ {} -ge 5 ]; then echo $$ > "
            + fifo
            + "; exec sleep 1000; fi";
    String[] args = {"run", "-j", "2", job, ":::", "1", "2", "3", "4", "5", "6", "7", "8"};
    Process first = weft(args);
    List<Long> groups = groups(Child.readLines(fifo, 2, first, err()));
    first.destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed on the way out
    assertThat(Child.awaitExit(first, err())).isEqualTo(137);
    for (long g : groups) {
      Signals.signalGroup(g, Signals.KILL); // the jobs a killed weft could not take with it
    }
    Files.delete(block);

    String[] resume = new String[args.length + 1];
    resume[0] = "run";
    resume[1] = "--resume";
    System.arraycopy(args, 1, resume, 2, args.length - 1);
    Process second = weft(resume);
    assertThat(Child.awaitExit(second, err())).as(Files.readString(err())).isZero();

    Map<String, Integer> runs = new TreeMap<>();
    Files.readAllLines(marks).forEach(m -> runs.merge(m, 1, Integer::sum));
    assertThat(runs)
        .containsEntry("1", 1)
        .containsEntry("2", 1)
        .containsEntry("3", 1)
        .containsEntry("4", 1)
        .containsEntry("5", 2) // was running when killed: it never finished, so it runs again
        .containsEntry("6", 2)
        .containsEntry("7", 1)
        .containsEntry("8", 1);
  }

  /**
   * Tagged soak: {@code weft run --state FILE} over 3,000 jobs, killed with -9 five times at random
   * points and resumed each time. Each job writes {@code S run n} before its work and {@code D run
   * n} after it. After each kill the test reads what the state file recorded; a job recorded there
   * must never run again, so only the jobs in flight at a kill (started, not yet recorded: at most
   * {@code -j} of them) run twice. The last resume runs to the end: no job is lost and {@code weft
   * status} shows the run done with every job ok. Prints its figures on one line starting {@code
   * SOAK sqlite}.
   */
  @Test
  @Tag("soak")
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void soakKilledFiveTimesAndResumedLosesNothing() throws Exception {
    int jobs = 3000;
    int kills = 5;
    int slots = 8;
    long seed = Long.getLong("weft.soak.seed", 42L);
    Random random = new Random(seed);
    Path state = dir.resolve("soak-state.db");
    Path marks = dir.resolve("marks");
    Path inputs =
        Files.write(
            dir.resolve("inputs"),
            IntStream.rangeClosed(1, jobs).mapToObj(Integer::toString).toList());
    Path script =
        Files.writeString(
            dir.resolve("job.sh"),
            "echo \"S $WEFT_SOAK_RUN $1\" >> "
                + marks
                + "\nsleep 0.0$((RANDOM % 3))\necho \"D $WEFT_SOAK_RUN $1\" >> "
                + marks
                + "\n");
    Files.createFile(marks);
    List<String> args =
        List.of(
            "-j",
            Integer.toString(slots),
            "--state",
            state.toString(),
            "bash " + script + " {}",
            "::::",
            inputs.toString());
    List<Set<String>> recordedAtKill = new ArrayList<>();
    List<Long> resumeToFirstJobMs = new ArrayList<>();
    long t0 = System.currentTimeMillis();
    for (int run = 0; run <= kills; run++) {
      List<String> argv = new ArrayList<>();
      argv.add("run");
      if (run > 0) {
        argv.add("--resume");
      }
      argv.addAll(args);
      long launched = System.currentTimeMillis();
      Process weft =
          weft(Map.of("WEFT_SOAK_RUN", Integer.toString(run)), argv.toArray(String[]::new));
      if (run == kills) {
        assertThat(Child.awaitExit(weft, err())).as(Files.readString(err())).isZero();
        break;
      }
      // a random point of the run: after 100 to 450 of its jobs started
      int killAfter = 100 + random.nextInt(351);
      String prefix = "S " + run + " ";
      boolean first = true;
      while (true) {
        long started = Files.readAllLines(marks).stream().filter(l -> l.startsWith(prefix)).count();
        if (first && started > 0 && run > 0) {
          resumeToFirstJobMs.add(System.currentTimeMillis() - launched);
          first = false;
        }
        if (started >= killAfter) {
          break;
        }
        if (weft.waitFor(20, TimeUnit.MILLISECONDS)) {
          throw new AssertionError(
              "weft run "
                  + run
                  + " exited with "
                  + weft.exitValue()
                  + " before the kill; its stderr:\n"
                  + Files.readString(err()));
        }
        assertThat(System.currentTimeMillis() - launched)
            .as("run %d started only %d jobs", run, started)
            .isLessThan(Child.PATIENCE.toMillis());
      }
      weft.destroyForcibly(); // SIGKILL
      assertThat(Child.awaitExit(weft, err())).isEqualTo(137);
      recordedAtKill.add(recorded(state));
    }
    long totalMs = System.currentTimeMillis() - t0;
    Process status = weft("status", "--state", state.toString());
    assertThat(Child.awaitExit(status, err())).as(Files.readString(err())).isZero();
    String statusOut = Files.readString(dir.resolve("out.txt"));

    // job -> the runs it started in, and whether any of its runs got to the end
    Map<String, List<Integer>> startedIn = new TreeMap<>();
    Set<String> ended = new java.util.HashSet<>();
    for (String l : Files.readAllLines(marks)) {
      String[] f = l.split(" ");
      if (f[0].equals("S")) {
        startedIn.computeIfAbsent(f[2], k -> new ArrayList<>()).add(Integer.parseInt(f[1]));
      } else {
        ended.add(f[2]);
      }
    }
    int ranTwice = 0;
    int[] cutAtKill = new int[kills];
    List<String> unexplained = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> e : startedIn.entrySet()) {
      List<Integer> runs = e.getValue();
      if (runs.size() > 1) {
        ranTwice++;
      }
      for (int r : runs) {
        if (r > 0 && recordedAtKill.get(r - 1).contains(e.getKey())) {
          unexplained.add(e.getKey() + " ran in " + runs + " but was recorded at kill " + (r - 1));
        }
        if (r < kills && !recordedAtKill.get(r).contains(e.getKey())) {
          cutAtKill[r]++; // in flight (started, not recorded) when run r was killed
        }
      }
      assertThat(new java.util.HashSet<>(runs))
          .as("job %s ran twice in one run", e.getKey())
          .hasSize(runs.size());
    }
    long lost = jobs - ended.size();
    String figures =
        "SOAK sqlite jobs="
            + jobs
            + " slots="
            + slots
            + " kills="
            + kills
            + " lost="
            + lost
            + " ranTwice="
            + ranTwice
            + " inFlightAtKills="
            + java.util.Arrays.toString(cutAtKill)
            + " unexplainedRepeats="
            + unexplained.size()
            + " resumeToFirstJobMs="
            + resumeToFirstJobMs
            + " totalMs="
            + totalMs
            + " seed="
            + seed;
    System.out.println(figures);
    assertThat(startedIn).as(figures).hasSize(jobs);
    assertThat(lost).as(figures).isZero();
    assertThat(unexplained).as(figures).isEmpty();
    for (int c : cutAtKill) {
      assertThat(c)
          .as("jobs in flight at one kill, at most -j; " + figures)
          .isLessThanOrEqualTo(slots);
    }
    assertThat(recorded(state)).hasSize(jobs);
    String line =
        statusOut.lines().filter(l -> l.contains("bash " + script)).findFirst().orElseThrow();
    String[] cols = line.trim().split("\\s+"); // run, status, ok, failed, tries, ...
    assertThat(List.of(cols[1], cols[2], cols[3]))
        .as("weft status: %s", statusOut)
        .containsExactly("done", Integer.toString(jobs), "0");
  }

  /** {@return the inputs of the jobs the state file recorded as ended ok} */
  private static Set<String> recorded(Path state) throws Exception {
    SqliteNative.useCache();
    Set<String> seen = new java.util.HashSet<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + state);
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet r = s.executeQuery("SELECT args, ok FROM jobs")) {
      while (r.next()) {
        assertThat(r.getInt(2)).as("job %s failed", r.getString(1)).isEqualTo(1);
        seen.add(r.getString(1));
      }
    }
    return seen;
  }
}
