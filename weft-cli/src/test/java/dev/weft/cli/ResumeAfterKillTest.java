package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code weft run} itself (a child JVM), then {@code --resume}: every job runs,
 * and none that had finished runs twice.
 */
class ResumeAfterKillTest {

  @TempDir Path dir;

  private Process weft(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.weft.cli.Main");
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd)
        .directory(dir.toFile())
        .redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile())
        .start();
  }

  private Path err() {
    return dir.resolve("err.txt");
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
    assertThat(new ProcessBuilder("kill", "-INT", Long.toString(weft.pid())).start().waitFor())
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
}
