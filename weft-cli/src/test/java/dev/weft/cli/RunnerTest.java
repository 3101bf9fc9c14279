package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.observe.WeftThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs of {@code weft run} are forks of one scope: when the run ends (halt-now, an interrupt)
 * every running process tree has been killed and no job's thread is left.
 */
class RunnerTest {

  @TempDir Path dir;

  /**
   * A job that starts a child which would sleep for a day, announces both pids on {@code fifo} and
   * waits for the child. The input goes to {@code :} (a template without {@code {}} would get it
   * appended, and {@code wait a} returns at once, ending the job before the test interrupts it).
   */
  private static String parentWithChild(Path fifo) {
    return ": {}; sleep 86400 & echo $! > " + fifo + "; echo $$ > " + fifo + "; wait";
  }

  /** {@return the pids written to {@code fifo}, once {@code n} have been}; blocks until then */
  private static List<Long> read(Path fifo, int n) throws IOException {
    List<Long> pids = new ArrayList<>();
    while (pids.size() < n) {
      try (BufferedReader r = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
        for (String line; (line = r.readLine()) != null; ) {
          pids.add(Long.parseLong(line.trim()));
        }
      }
    }
    return pids;
  }

  private Path fifo() throws Exception {
    Path fifo = dir.resolve("started");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    return fifo;
  }

  /** {@return weft's threads alive now that were not in {@code before}, but the output readers} */
  private static List<String> newThreads(Set<Thread> before) {
    return WeftThreads.live().stream()
        .filter(t -> !before.contains(t))
        .map(Thread::getName)
        .filter(n -> !n.startsWith("weft-run-output")) // the shared output readers: a service
        .toList();
  }

  @Test
  void haltNowAfterAFailureKillsTheRunningChildrenAndLeavesNoJobThread() throws Exception {
    Path fifo = fifo();
    Path pids = dir.resolve("pids");
    // "slow" starts a child and waits for it; "bad" fails once both have announced themselves
    String job =
        "if [ {} = bad ]; then cat "
            + fifo
            + " > "
            + pids
            + "; exit 3; else "
            + "echo $$ > "
            + pids
            + ".parent; sleep 86400 & echo $! > "
            + fifo
            + "; wait; fi";
    Set<Thread> before = new HashSet<>(WeftThreads.live());
    Cli c =
        Cli.run(
            "", "run", "--no-state", "-j", "2", "--halt", "now,fail=1", job, ":::", "slow", "bad");
    assertThat(c.exit).as(c.err()).isEqualTo(3);
    assertThat(newThreads(before)).isEmpty();
    List<Long> all = new ArrayList<>();
    Files.readAllLines(pids).forEach(l -> all.add(Long.parseLong(l.trim())));
    Files.readAllLines(dir.resolve("pids.parent")).forEach(l -> all.add(Long.parseLong(l.trim())));
    assertThat(all).hasSize(2).noneMatch(ProcessTreeTest::alive);
  }

  @Test
  void interruptingTheCallerKillsEveryRunningTreeBeforeItReturns() throws Exception {
    Path fifo = fifo();
    Set<Thread> before = new HashSet<>(WeftThreads.live());
    AtomicReference<Cli> result = new AtomicReference<>();
    Thread caller =
        Thread.ofPlatform()
            .name("test-weft-run")
            .start(() ->
                result.set(
                    Cli.run(
                        "",
                        "run",
                        "--no-state",
                        "-j",
                        "2",
                        parentWithChild(fifo),
                        ":::",
                        "a",
                        "b")));
    List<Long> pids = read(fifo, 4); // both jobs and both children run
    caller.interrupt();
    caller.join();
    Cli c = result.get();
    assertThat(c.exit).as(c.err()).isEqualTo(255);
    assertThat(c.err()).contains("weft: interrupted");
    assertThat(newThreads(before)).isEmpty();
    assertThat(pids).noneMatch(ProcessTreeTest::alive);
  }
}
