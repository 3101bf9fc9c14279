package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DependencyRunTest {

  @TempDir Path dir;

  @Test
  void jobsRunAfterWhatTheyNeedAndDependantsOfFailuresAreSkipped() throws IOException {
    Path order = dir.resolve("order");
    Path file =
        Files.write(
            dir.resolve("jobs.jsonl"),
            List.of(
                "{\"id\": \"c\", \"cmd\": \"echo c >> " + order + "\", \"needs\": [\"a\", \"b\"]}",
                "{\"id\": \"a\", \"cmd\": \"echo a >> " + order + "\"}",
                "{\"id\": \"b\", \"cmd\": \"echo b >> " + order + "\", \"needs\": [\"a\"]}",
                "{\"id\": \"bad\", \"cmd\": \"exit 3\"}",
                "{\"id\": \"d\", \"cmd\": \"echo d >> " + order + "\", \"needs\": [\"bad\"]}",
                "{\"id\": \"e\", \"cmd\": \"echo e >> " + order + "\", \"needs\": [\"d\"]}"));
    Cli c = Cli.run("", "run", "-j", "4", "--jobs", file.toString());
    assertThat(c.exit).isEqualTo(3); // bad failed, d and e skipped
    assertThat(Files.readAllLines(order)).containsExactly("a", "b", "c");
    assertThat(c.err())
        .contains("weft: skipped d (needs bad, which failed)")
        .contains("weft: skipped e (needs d, which was skipped)");
  }

  @Test
  void aCycleIsBadInput() throws IOException {
    Path file =
        Files.write(
            dir.resolve("jobs.jsonl"),
            List.of(
                "{\"id\": \"a\", \"cmd\": \"true\", \"needs\": [\"b\"]}",
                "{\"id\": \"b\", \"cmd\": \"true\", \"needs\": [\"a\"]}"));
    Cli c = Cli.run("", "run", "--jobs", file.toString());
    assertThat(c.exit).isEqualTo(255);
    assertThat(c.err())
        .startsWith("weft: --jobs '" + file + "': the needs form a cycle through [a, b]");
  }

  @Test
  void aNumberMeansJobSlotsAsInGnuParallel() {
    Cli c = Cli.run("", "run", "--no-state", "--jobs", "2", "-k", "echo", ":::", "x", "y");
    assertThat(c.exit).isZero();
    assertThat(c.out()).isEqualTo("x\ny\n");
  }
}
