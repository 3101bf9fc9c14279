package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kill -USR1} on a running {@code weft run} prints its task tree; the run goes on. */
class TreeSignalTest {

  @TempDir Path dir;

  @Test
  void usr1PrintsTheTaskTreeWithTheRunningJobsAndTheRunGoesOn() throws Exception {
    Path fifo = dir.resolve("started");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    List<String> cmd =
        Child.weftCommand(
            "run",
            "--no-state",
            "-j",
            "2",
            "echo {} > " + fifo + "; exec sleep 1000",
            ":::",
            "1",
            "2");
    Process weft =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("out.txt").toFile())
            .start();
    Child.Pipe stderr = new Child.Pipe(weft);
    try {
      assertThat(Child.readLines(fifo, 2, weft, stderr)).containsExactlyInAnyOrder("1", "2");
      signal("-USR1", weft);
      stderr.awaitLine("scope 'weft run'");
      stderr.awaitLine("at dev.weft.cli.Runner.runJob"); // a blocked job's stack
      assertThat(weft.isAlive()).as("the run goes on after printing").isTrue();
      signal("-USR1", weft); // and prints again on the next signal
      stderr.awaitLine("scope 'weft run'");
      assertThat(stderr.get()).contains("2 running");
    } finally {
      weft.descendants().forEach(ProcessHandle::destroyForcibly);
      weft.destroyForcibly();
      weft.waitFor();
    }
  }

  private static void signal(String signal, Process p) throws Exception {
    assertThat(new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor())
        .isZero();
  }
}
