package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        args,
        new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void versionNamesWeftAndTheJava() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("weft ").contains("Java 25");
  }

  @Test
  void helpListsTheCommands() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: weft").contains("demo");
  }

  @Test
  void helpRunIsAManPage() {
    assertThat(run("help", "run")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Placeholders: {} the input")
        .contains("{%} slot")
        .contains("-j 50% --bar")
        .contains("--joblog=FILE");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(run("help", "fetch")).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void anUnknownFlagIsOneLineAndExit255() {
    assertThat(run("--frobnicate")).isEqualTo(255);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow())
        .isEqualTo("weft: Unknown option: '--frobnicate'");
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("\tat ");
  }

  @Test
  void demoFetchesEverythingAndSummarizes() {
    assertThat(run("demo", "--requests", "200", "-j", "16", "--dir", dir.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("ok, first try")
        .contains("dead-lettered")
        .contains("breaker trips")
        .contains("p99 latency")
        .contains("throughput");
  }

  @Test
  void demoRejectsANonPositiveCount() {
    assertThat(run("demo", "--requests", "0")).isEqualTo(255);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("weft: --requests and --jobs must be >= 1");
  }
}
