package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input: one line naming the problem and the value, exit 255, nothing run. */
class BadInputTest {

  @TempDir Path dir;

  private Cli run(String... args) {
    return Cli.run("", args);
  }

  private void assertOneLine(Cli c, String expected) {
    assertThat(c.exit).isEqualTo(255);
    assertThat(c.out()).isEmpty();
    assertThat(c.err().lines().findFirst().orElseThrow()).isEqualTo(expected);
    assertThat(c.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void unknownFlag() {
    assertOneLine(run("run", "--frobnicate", "echo"), "weft: Unknown option: '--frobnicate'");
  }

  @Test
  void malformedRateTimeoutHalt() {
    assertOneLine(
        run("run", "--rate", "fast", "echo", ":::", "a"),
        "weft: --rate must be a positive rate like 20/s, 100/m or 5000/h, was 'fast'");
    assertOneLine(
        run("run", "--timeout", "10x", "echo", ":::", "a"),
        "weft: --timeout must be a duration like 30s, 500ms, 1.5m, 2h or a number of seconds,"
            + " was '10x'");
    assertThat(run("run", "--halt", "sometimes", "echo", ":::", "a").err())
        .startsWith("weft: --halt must be WHEN,WHAT=N")
        .contains("was 'sometimes'");
  }

  @Test
  void missingInputFile() {
    assertOneLine(
        run("run", "--no-state", "echo", "::::", dir.resolve("nope.txt").toString()),
        "weft: input file '" + dir.resolve("nope.txt") + "' does not exist");
  }

  @Test
  void unknownPlaceholder() {
    assertThat(run("run", "--no-state", "echo {x}", ":::", "a").err())
        .startsWith("weft: unknown placeholder '{x}' in command 'echo {x}'");
  }

  @Test
  void nonWritableJoblogBeforeAnyWork() throws IOException {
    Path marks = dir.resolve("marks");
    Cli c =
        run(
            "run",
            "--no-state",
            "--joblog",
            dir.resolve("no/such/dir/log").toString(),
            "touch " + marks,
            ":::",
            "a");
    assertOneLine(
        c,
        "weft: --joblog '"
            + dir.resolve("no/such/dir/log")
            + "' cannot be written: no such directory");
    assertThat(Files.exists(marks)).isFalse();
  }

  @Test
  void unreachableDatabase() {
    assertOneLine(
        run("run", "--db", "postgres://127.0.0.1:1/weft", "echo", ":::", "a"),
        "weft: --db 'postgres://127.0.0.1:1/weft' is unreachable: connection refused");
  }

  @Test
  void badResume() {
    assertOneLine(
        run("run", "--resume", "--resume-failed", "echo", ":::", "a"),
        "weft: --resume and --resume-failed exclude each other; pick one");
  }
}
