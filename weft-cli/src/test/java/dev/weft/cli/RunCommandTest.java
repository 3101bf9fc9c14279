package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

  @TempDir Path dir;

  private Cli run(String stdin, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "run";
    all[1] = "--state";
    all[2] = dir.resolve("state.db").toString();
    System.arraycopy(args, 0, all, 3, args.length);
    return Cli.run(stdin, all);
  }

  @Test
  void runsEveryInputAndKeepsOrder() {
    Cli c = run("", "-j", "4", "-k", "echo", ":::", "a", "b", "c", "d", "e");
    assertThat(c.exit).isZero();
    assertThat(c.out()).isEqualTo("a\nb\nc\nd\ne\n");
  }

  @Test
  void barPrintsTheLibrarysFinalProgressLineOnStderr() {
    Cli c = run("", "--bar", "-j", "2", "exit {}", ":::", "0", "0", "1");
    assertThat(c.exit).isEqualTo(1);
    // stderr is not a terminal here: plain lines of dev.weft.observe.ProgressBar, the last at close
    assertThat(c.err().lines().filter(l -> l.startsWith("jobs: ")).reduce((x, y) -> y))
        .hasValueSatisfying(l -> assertThat(l).startsWith("jobs: 3/3 (100%)").contains("1 failed"));
  }

  @Test
  void readsStdinWhenNoSourceIsGiven() {
    Cli c = run("x\ny\n", "-k", "echo", "got");
    assertThat(c.out()).isEqualTo("got x\ngot y\n");
  }

  @Test
  void aHostileNameStaysOneArgument() throws IOException {
    Path victim = Files.createFile(dir.resolve("x"));
    Cli c = run("", "-k", "echo {} | cat", ":::", "a b; rm -rf " + victim);
    assertThat(c.out()).isEqualTo("a b; rm -rf " + victim + "\n");
    assertThat(victim).exists();
  }

  @Test
  void exitStatusIsTheNumberOfFailures() {
    assertThat(run("", "exit {}", ":::", "0", "1", "2", "3").exit).isEqualTo(3);
    assertThat(run("", "--halt", "now,fail=1", "-j", "1", "exit {}", ":::", "0", "5", "0").exit)
        .isEqualTo(5);
  }

  @Test
  void retriesCountTriesInTotalAndLogEach() throws IOException {
    Path log = dir.resolve("log");
    Path dead = dir.resolve("dead");
    Cli c =
        run(
            "",
            "--retries",
            "3",
            "--backoff",
            "none",
            "--joblog",
            log.toString(),
            "--dead-letter",
            dead.toString(),
            "exit {}",
            ":::",
            "0",
            "4");
    assertThat(c.exit).isEqualTo(1);
    List<String> lines = Files.readAllLines(log);
    assertThat(lines.getFirst())
        .isEqualTo("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
    assertThat(lines.subList(1, lines.size()))
        .hasSize(4)
        .filteredOn(l -> l.startsWith("2\t"))
        .hasSize(3)
        .allSatisfy(l -> assertThat(List.of(l.split("\t", -1)).get(6)).isEqualTo("4"));
    assertThat(Files.readString(dead)).isEqualTo("4\n");
  }

  @Test
  void resultsAreJsonLines() throws IOException {
    Path results = dir.resolve("r.jsonl");
    assertThat(run("", "--results", results.toString(), "echo", ":::", "hi").exit).isZero();
    assertThat(Files.readString(results))
        .startsWith("{\"job\":1,\"args\":[\"hi\"],\"command\":\"echo hi\",\"exit\":0,\"signal\":0")
        .contains("\"attempts\":1")
        .contains("\"stdout\":\"hi\\n\"");
  }

  @Test
  void dryRunPrintsQuotedCommands() {
    Cli c = run("", "--dry-run", "-k", "gzip", ":::", "a b", "c");
    assertThat(c.out()).isEqualTo("gzip 'a b'\ngzip c\n");
  }

  @Test
  void tagPrefixesLines() {
    Cli c = run("", "--tag", "-k", "echo", ":::", "a", ":::", "1");
    assertThat(c.out()).isEqualTo("a 1\ta 1\n");
  }

  @Test
  void resumeSkipsWhatFinished() throws IOException {
    Path marks = dir.resolve("marks");
    String cmd = "echo {} >> " + marks;
    String j1 = "-j1";
    assertThat(run("", j1, cmd, ":::", "1", "2", "3").exit).isZero();
    assertThat(run("", "--resume", j1, cmd, ":::", "1", "2", "3", "4").exit).isNotEqualTo(255);
    // the sources differ, so this is a different run: all four ran
    Files.delete(marks);
    assertThat(run("", j1, cmd + " && test {} -ne 2", ":::", "1", "2", "3").exit).isEqualTo(1);
    assertThat(run("", "--resume", j1, cmd + " && test {} -ne 2", ":::", "1", "2", "3").exit)
        .isZero();
    assertThat(Files.readAllLines(marks)).containsExactly("1", "2", "3");
    assertThat(run("", "--resume-failed", j1, cmd + " && test {} -ne 2", ":::", "1", "2", "3").exit)
        .isEqualTo(1);
    assertThat(Files.readAllLines(marks)).containsExactly("1", "2", "3", "2");
  }

  @Test
  void statusListsTheRuns() {
    run("", "true", ":::", "1", "2");
    Cli c = Cli.run("", "status", "--state", dir.resolve("state.db").toString());
    assertThat(c.exit).isZero();
    assertThat(c.out()).contains("done").contains("true {}");
  }
}
