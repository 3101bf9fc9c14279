package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildTest {

  @TempDir Path dir;

  private Path fifo() throws Exception {
    Path fifo = dir.resolve("fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    return fifo;
  }

  private Process sh(String script) throws Exception {
    return new ProcessBuilder("sh", "-c", script)
        .redirectError(dir.resolve("err.txt").toFile())
        .start();
  }

  @Test
  void aFifoWaitFailsAtOnceWithTheExitCodeAndStderrWhenTheChildDiesWithoutWriting()
      throws Exception {
    Path fifo = fifo();
    Process child = sh("echo 'cannot start' >&2; exit 3");
    assertThatThrownBy(() -> Child.readLines(fifo, 1, child, dir.resolve("err.txt")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exited with 3")
        .hasMessageContaining("cannot start");
  }

  @Test
  void aFifoWaitReturnsTheLinesOfSeveralWriters() throws Exception {
    Path fifo = fifo();
    Process child = sh("echo one > " + fifo + "; echo two > " + fifo + "; exec sleep 1000");
    try {
      assertThat(Child.readLines(fifo, 2, child, dir.resolve("err.txt")))
          .containsExactly("one", "two");
    } finally {
      child.destroyForcibly();
      child.waitFor();
    }
  }
}
