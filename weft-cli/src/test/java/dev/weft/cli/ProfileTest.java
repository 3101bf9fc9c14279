package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

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
}
