package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environments a run can meet broken: a corrupt state file, one in use by another running weft,
 * a working directory that cannot be written, an unreachable {@code --db}. Each is one line naming
 * the file or URL and what is wrong, a non-zero exit, no stack trace, and no finished work lost:
 * the results a state holds are still there afterwards.
 */
class BrokenEnvironmentTest {

  private static final String[] INPUTS =
      IntStream.rangeClosed(1, 20).mapToObj(Integer::toString).toArray(String[]::new);

  @TempDir Path dir;

  private Path marks() {
    return dir.resolve("marks");
  }

  /** {@code weft run --state STATE [extra] 'echo {} >> marks' ::: 1 .. 20}, in this JVM. */
  private Cli run(Path state, String... extra) {
    List<String> a = new ArrayList<>(List.of("run", "--state", state.toString()));
    a.addAll(List.of(extra));
    a.add("echo {} >> " + marks());
    a.add(":::");
    a.addAll(List.of(INPUTS));
    return Cli.run("", a.toArray(String[]::new));
  }

  private static void assertOneLine(Cli c, String... parts) {
    assertThat(c.exit).as(c.err()).isEqualTo(255);
    assertThat(c.out()).isEmpty();
    assertThat(c.err().lines().toList()).as(c.err()).hasSize(1);
    assertThat(c.err()).startsWith("weft: ").contains(parts);
    assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  /** A state holding the 20 finished jobs of the command {@link #run} runs. */
  private Path finishedState() throws IOException {
    Path state = dir.resolve("state.db");
    Cli first = run(state);
    assertThat(first.exit).as(first.err()).isZero();
    Files.delete(marks());
    return state;
  }

  private void assertStillReports20Ok(Path state) throws IOException {
    Cli status = Cli.run("", "status", "--state", state.toString());
    assertThat(status.exit).as(status.err()).isZero();
    assertThat(status.out()).containsPattern("done\\s+20\\s+0\\s+20");
    Cli resumed = run(state, "--resume");
    assertThat(resumed.exit).as(resumed.err()).isZero();
    assertThat(marks()).as("--resume skipped all 20 finished jobs").doesNotExist();
  }

  @Test
  void garbageStateIsRefusedBeforeAnyJobAndKept() throws IOException {
    Path state = dir.resolve("garbage.db");
    byte[] garbage = new byte[5000];
    new java.util.Random(1).nextBytes(garbage);
    Files.write(state, garbage);
    for (String mode : List.of("--retries=1", "--resume", "--resume-failed")) {
      assertOneLine(run(state, mode), "--state '" + state + "'", "is not a SQLite database");
      assertThat(Files.readAllBytes(state)).isEqualTo(garbage);
      assertThat(marks()).as("no job ran").doesNotExist();
    }
    assertOneLine(
        Cli.run("", "status", "--state", state.toString()),
        "--state '" + state + "'",
        "is not a SQLite database");
  }

  @Test
  void truncatedStateIsRefusedAndKeptAndTheWholeCopyStillReports() throws IOException {
    Path state = finishedState();
    Path cut = dir.resolve("cut.db");
    byte[] whole = Files.readAllBytes(state);
    byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2 + 100);
    Files.write(cut, half);
    for (String mode : List.of("--retries=1", "--resume")) {
      assertOneLine(run(cut, mode), "--state '" + cut + "'", "damaged");
      assertThat(Files.readAllBytes(cut)).isEqualTo(half);
      assertThat(marks()).as("no job ran").doesNotExist();
    }
    assertOneLine(Cli.run("", "status", "--state", cut.toString()), "--state '" + cut + "'");
    assertStillReports20Ok(state);
  }

  @Test
  void unreachableOrMalformedDbAndUnwritableOutputsLoseNoFinishedResults() throws IOException {
    Path state = finishedState();
    assertOneLine(
        run(state, "--resume", "--db", "postgres://127.0.0.1:1/weft"),
        "--db 'postgres://127.0.0.1:1/weft' is unreachable: connection refused");
    assertOneLine(
        run(state, "--resume", "--db", "postgres//127.0.0.1/weft"),
        "--db must be a URL",
        "'postgres//127.0.0.1/weft'");
    Files.writeString(dir.resolve("file"), "x");
    assertOneLine(
        run(state, "--resume", "--results", dir.resolve("file/r.jsonl").toString()),
        "--results '" + dir.resolve("file/r.jsonl") + "' cannot be written");
    assertThat(marks()).as("no job ran").doesNotExist();
    assertStillReports20Ok(state);
  }

  @Test
  void stateInUseByAnotherRunningWeftIsRefusedAndTheFirstFinishesWhole() throws Exception {
    Path started = dir.resolve("started");
    Path gate = dir.resolve("gate");
    assertThat(new ProcessBuilder("mkfifo", started.toString()).start().waitFor()).isZero();
    Path state = dir.resolve("state.db");
    // each job says it started, then waits (in the shell, not the test) until the gate exists
    String job =
        "echo {} > "
            + started
            + "; while [ ! -e "
            + gate
            + " ]; do sleep 0.05; done; echo {} >> "
            + marks();
    List<String> cmd =
        Child.weftCommand("run", "-j", "3", "--state", state.toString(), job, ":::", "1", "2", "3");
    Process first =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    assertThat(Child.readLines(started, 3, first, dir.resolve("err.txt")))
        .containsExactlyInAnyOrder("1", "2", "3");

    Cli second =
        Cli.run("", "run", "-j", "3", "--state", state.toString(), job, ":::", "1", "2", "3");
    assertOneLine(second, "--state '" + state + "'", "in use by another running weft");

    Files.createFile(gate);
    assertThat(Child.awaitExit(first, dir.resolve("err.txt")))
        .as(Files.readString(dir.resolve("err.txt")))
        .isZero();
    assertThat(Files.readAllLines(marks())).containsExactlyInAnyOrder("1", "2", "3");
    Cli status = Cli.run("", "status", "--state", state.toString());
    assertThat(status.out()).containsPattern("done\\s+3\\s+0\\s+3");
  }

  @Test
  void unwritableWorkingDirectoryIsRefusedBeforeAnyJob() throws Exception {
    Path cwd;
    if (isRoot()) {
      // root writes any folder whatever its mode; /sys refuses even root a new folder
      cwd = Path.of("/sys");
      assumeTrue(
          !Files.isWritable(cwd) || mkdirFails(cwd), "no folder here that root cannot write");
    } else {
      cwd = Files.createDirectory(dir.resolve("ro"));
      assertThat(cwd.toFile().setWritable(false, false)).isTrue();
    }
    Process weft =
        new ProcessBuilder(Child.weftCommand("run", "touch " + marks(), ":::", "a"))
            .directory(cwd.toFile())
            .redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    assertThat(Child.awaitExit(weft, dir.resolve("err.txt"))).isEqualTo(255);
    String err = Files.readString(dir.resolve("err.txt"));
    assertThat(err.lines().toList()).as(err).hasSize(1);
    assertThat(err).startsWith("weft: --state '.weft/state.db' cannot be ").doesNotContain("\tat ");
    assertThat(Files.readString(dir.resolve("out.txt"))).isEmpty();
    assertThat(marks()).as("no job ran").doesNotExist();
  }

  private static boolean isRoot() throws IOException, InterruptedException {
    Process id = new ProcessBuilder("id", "-u").start();
    String uid =
        new String(id.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    id.waitFor();
    return uid.strip().equals("0");
  }

  private static boolean mkdirFails(Path parent) {
    Path probe = parent.resolve(".weft-probe");
    try {
      Files.createDirectory(probe);
      Files.delete(probe);
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
