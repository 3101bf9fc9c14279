package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft profile}: real child processes, classified by their wall and CPU time. */
class ProfileTest {

  private static final Pattern CPU = Pattern.compile("cpu (\\d+\\.\\d) ms");

  private static double cpuMillis(Cli c) {
    Matcher m = CPU.matcher(c.out());
    assertThat(m.find()).as(c.out()).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aSleepingCommandIsIoBoundAndGetsManySlots() {
    Cli c = Cli.run("", "profile", "-n", "3", "--target", "100/s", "--", "sleep", "0.05");
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(c.out())
        .startsWith("IO_BOUND: ")
        .contains("means of 3 runs")
        .contains("Little's law")
        .containsPattern("weft run -j \\d+ \\.\\.\\.");
  }

  @Test
  void theCpuTimeOfTheCommandAndItsChildrenIsCounted() {
    // the shell's loop is CPU work of a child of the shell: it counts once the shell waited for it
    Cli busy =
        Cli.run(
            "",
            "profile",
            "-n",
            "2",
            "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sh -c 'j=0; while [ $j -lt 100000 ];"
                + " do j=$((j+1)); done'");
    Cli idle = Cli.run("", "profile", "-n", "2", "sleep 0.05");
    assertThat(busy.exit).as(busy.err()).isZero();
    assertThat(idle.exit).as(idle.err()).isZero();
    assertThat(cpuMillis(busy)).isGreaterThan(cpuMillis(idle));
  }

  @Test
  void aFailingCommandIsOneLineAndExit255() {
    Cli c = Cli.run("", "profile", "--", "sh", "-c", "exit 3");
    assertThat(c.exit).isEqualTo(255);
    assertThat(c.err().strip())
        .isEqualTo(
            "weft: 'sh -c exit 3' exited with 3 on its warm-up run; profile a command that"
                + " succeeds");
  }

  @Test
  void badValuesAreOneLine() {
    Cli runs = Cli.run("", "profile", "-n", "0", "--", "true");
    assertThat(runs.exit).isEqualTo(255);
    assertThat(runs.err().strip()).isEqualTo("weft: --runs must be >= 1, was 0");
    Cli rate = Cli.run("", "profile", "--target", "fast", "--", "true");
    assertThat(rate.exit).isEqualTo(255);
    assertThat(rate.err().strip())
        .isEqualTo("weft: --target must be a positive rate like 20/s, 100/m or 5000/h, was 'fast'");
    Cli missing = Cli.run("", "profile", "--", "/no/such/program");
    assertThat(missing.exit).isEqualTo(255);
    assertThat(missing.err()).startsWith("weft: cannot start '/no/such/program'");
  }

  @TempDir Path dir;

  @Test
  void warmupAndRunsCountAndPrepareRunsBeforeEachOfThem() throws IOException {
    Path runsLog = dir.resolve("runs");
    Path prepared = dir.resolve("prepared");
    Cli c =
        Cli.run(
            "",
            "profile",
            "--warmup",
            "2",
            "--runs",
            "3",
            "--prepare",
            "echo p >> " + prepared,
            "--",
            "echo r >> " + runsLog);
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(Files.readAllLines(runsLog)).hasSize(5);
    assertThat(Files.readAllLines(prepared)).hasSize(5);
    assertThat(c.out())
        .contains("(means of 3 runs after 2 warm-ups)")
        .containsPattern("Time \\(mean ± σ\\): +\\d+\\.\\d ms ± \\d+\\.\\d ms")
        .containsPattern("Range \\(min … max\\): +\\d+\\.\\d ms … \\d+\\.\\d ms +3 runs");
  }

  @Test
  void aParameterScanProfilesEachValueAndExportsJsonAndMarkdown() throws IOException {
    Path log = dir.resolve("values");
    Path json = dir.resolve("scan.json");
    Path md = dir.resolve("scan.md");
    Cli c =
        Cli.run(
            "",
            "profile",
            "-P",
            "N",
            "1",
            "3",
            "-n",
            "2",
            "--warmup",
            "0",
            "--export-json",
            json.toString(),
            "--export-markdown",
            md.toString(),
            "--",
            "echo {N} >> " + log);
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(Files.readAllLines(log)).containsExactly("1", "1", "2", "2", "3", "3");
    assertThat(c.out())
        .contains("Benchmark 1: echo 1 >> " + log + " (N = 1)")
        .contains("Benchmark 3: echo 3 >> " + log + " (N = 3)")
        .containsPattern("Summary: N = [123] ran fastest")
        .containsPattern("times as long with N = [123]");
    JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
    assertThat(results).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode r = results.get(i);
      assertThat(r.get("parameters").get("N").asText()).isEqualTo(Integer.toString(i + 1));
      assertThat(r.get("times")).hasSize(2);
      assertThat(r.get("min").asDouble()).isLessThanOrEqualTo(r.get("mean").asDouble());
      assertThat(r.get("mean").asDouble()).isLessThanOrEqualTo(r.get("max").asDouble());
      assertThat(r.get("jobs").asInt()).isPositive();
    }
    List<String> table = Files.readAllLines(md);
    assertThat(table.getFirst())
        .startsWith("| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |");
    assertThat(table).hasSize(5);
    assertThat(table.get(2)).startsWith("| `echo 1 >> " + log + "` | ");
  }

  @Test
  void aRunFarSlowerThanTheOthersIsWarnedAbout() {
    // the fifth of eight runs sleeps; the others do next to nothing
    Path count = dir.resolve("count");
    String cmd = "echo x >> " + count + "; [ \"$(wc -l < " + count + ")\" -eq 5 ] && sleep 1; true";
    Cli c = Cli.run("", "profile", "--warmup", "0", "-n", "8", "--", cmd);
    assertThat(c.exit).as(c.err()).isZero();
    // at least the sleeping run; a busy machine may add others, never take that one away
    assertThat(c.out()).containsPattern("Warning: [1-7] statistical outlier\\(s\\) among 8 runs");
  }

  @Test
  void aFailingPrepareIsOneLine() {
    Cli c = Cli.run("", "profile", "--prepare", "exit 4", "--", "true");
    assertThat(c.exit).isEqualTo(255);
    assertThat(c.err().strip()).isEqualTo("weft: --prepare 'exit 4' exited with 4");
  }
}
