package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timeouts and stragglers: a job's whole process tree ends with it; nothing is left behind. */
class ProcessTreeTest {

  /** Running or sleeping; a zombie counts as gone (this machine's PID 1 may never reap it). */
  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  private static List<Long> pids(String out) {
    return out.lines().map(String::trim).filter(s -> s.matches("\\d+")).map(Long::valueOf).toList();
  }

  @Test
  void aTimeoutKillsTheJobAndItsChildren() {
    // the job starts two sleeps (one ignoring TERM), prints their pids and waits for them
    Cli c =
        Cli.run(
            "",
            "run",
            "--no-state",
            "--timeout",
            "1s",
            "--grace",
            "200ms",
            "sleep 1000 & echo $!; (trap '' TERM; exec sleep 1000) & echo $!; echo $$; wait; : {}",
            ":::",
            "x");
    assertThat(c.exit).isEqualTo(1);
    List<Long> pids = pids(c.out());
    assertThat(pids).hasSize(3);
    assertThat(pids).noneMatch(ProcessTreeTest::alive);
  }

  @Test
  void aJobLeadsItsOwnSessionWithNothingOpenButItsThreeStreams() {
    // ls lists its own directory handle too (3): nothing of weft's JVM is inherited
    Cli fds = Cli.run("", "run", "--no-state", "ls", ":::", "/proc/self/fd");
    assertThat(fds.exit).as(fds.err()).isZero();
    assertThat(fds.out()).isEqualTo("0\n1\n2\n3\n");
    Cli session =
        Cli.run(
            "",
            "run",
            "--no-state",
            "[ \"$(ps -o sid= -p $$ | tr -d ' ')\" = $$ ] && echo leader; read x || echo eof; : {}",
            ":::",
            "x");
    assertThat(session.exit).as(session.err()).isZero();
    assertThat(session.out()).isEqualTo("leader\neof\n");
  }

  @Test
  void childrenLeftRunningAfterTheJobExitsAreEnded() {
    Cli c = Cli.run("", "run", "--no-state", "sleep 1000 & echo $!; exit 0; : {}", ":::", "x");
    assertThat(c.exit).isZero();
    List<Long> pids = pids(c.out());
    assertThat(pids).hasSize(1);
    assertThat(pids).noneMatch(ProcessTreeTest::alive);
  }

  @Test
  void haltNowKillsTheOthers(@TempDir Path dir) {
    Path started = dir.resolve("slow-started");
    // "bad" fails only once "slow" has printed its pid, so halt-now must kill a running job
    Cli c =
        Cli.run(
            "",
            "run",
            "--no-state",
            "-j",
            "2",
            "--halt",
            "now,fail=1",
            "if [ {} = bad ]; then while [ ! -e "
                + started
                + " ]; do sleep 0.01; done; exit 3; else echo $$; touch "
                + started
                + "; exec sleep 1000; fi",
            ":::",
            "slow",
            "bad");
    assertThat(c.exit).isEqualTo(3);
    // the slow job was killed: its output (its pid) is printed and it is gone
    assertThat(pids(c.out())).hasSize(1).noneMatch(ProcessTreeTest::alive);
  }
}
