package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft run} against GNU parallel on the same inputs, for the syntax they share: outputs,
 * {@code --keep-order}, {@code --tag}, linked sources, stdin, exit codes, {@code --halt}, and the
 * job log's columns. GNU parallel must be installed ({@code .ci/run} installs it): without it this
 * test fails, it never skips.
 */
class GnuParallelCompatTest {

  @TempDir Path dir;

  record Result(int exit, String out) {}

  @BeforeAll
  static void parallelIsInstalled() throws Exception {
    Process p =
        new ProcessBuilder("sh", "-c", "command -v parallel && parallel --version")
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0 || !text.contains("GNU parallel")) {
      fail(
          "GNU parallel is not installed (apt-get install parallel); the compatibility tests need it");
    }
  }

  private Result gnu(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("parallel", "--will-cite"));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.getErrorStream().readAllBytes();
    return new Result(p.waitFor(), out);
  }

  private Result weft(String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of("run", "--state", dir.resolve("s.db").toString()));
    cmd.addAll(Arrays.asList(args));
    Cli c = Cli.run(stdin, cmd.toArray(String[]::new));
    return new Result(c.exit, c.out());
  }

  private void same(String stdin, String... args) throws Exception {
    Result g = gnu(stdin, args);
    Result w = weft(stdin, args);
    assertThat(w.exit()).as("exit status of %s", List.of(args)).isEqualTo(g.exit());
    boolean ordered = List.of(args).contains("-k");
    if (ordered) {
      assertThat(w.out()).as("output of %s", List.of(args)).isEqualTo(g.out());
    } else {
      assertThat(w.out().lines().sorted().toList())
          .as("output of %s", List.of(args))
          .isEqualTo(g.out().lines().sorted().toList());
    }
  }

  @Test
  void outputsAndPlaceholders() throws Exception {
    same("", "echo", ":::", "a", "b", "c", "d");
    same("", "-k", "echo {} {.} {/} {//} {/.} {#}", ":::", "a.txt", "dir/b.tar.gz", "c", "/x/y.z");
    same("", "-k", "-j", "1", "echo {%}", ":::", "a", "b");
    same("", "-k", "echo", "{2}", "{1}", ":::", "a", "b", ":::", "1", "2");
    same("", "-k", "echo 'x y'", ":::", "a b;c", "$HOME", "it's");
  }

  @Test
  void keepOrderTagLinkedAndStdin() throws Exception {
    same("", "-k", "-j", "4", "sleep 0.0$(( 5 - {} )); echo {}", ":::", "1", "2", "3", "4");
    same("", "-k", "--tag", "echo", ":::", "a", "b", ":::", "1", "2");
    same("", "-k", "echo", ":::", "a", "b", "c", ":::+", "1", "2");
    same("x\ny\nz\n", "-k", "echo", "got");
    same("", "-k", "echo");
  }

  @Test
  void exitCodesAndHalt() throws Exception {
    same("", "exit {}", ":::", "0", "1", "2", "0");
    same("", "-j", "1", "--halt", "now,fail=1", "exit {}", ":::", "0", "3", "0");
    same("", "-j", "1", "--halt", "soon,fail=1", "exit {}", ":::", "0", "4", "0");
    same("", "-j", "1", "--halt", "soon,fail=2", "exit {}", ":::", "0", "4", "5", "6");
    same("", "-j", "1", "--halt", "now,success=1", "exit {}", ":::", "3", "0", "4");
    same("", "-j", "1", "--halt", "soon,fail=50%", "exit {}", ":::", "1", "1", "0", "0");
    List<String> many = new ArrayList<>(List.of("-j", "4", "exit 1; echo", ":::"));
    for (int i = 0; i < 121; i++) {
      many.add(Integer.toString(i));
    }
    same("", many.toArray(String[]::new)); // more than 100 failed: 101
    same("", "-j", "1", "--halt", "soon,fail=50%", "exit {}", ":::", "1", "1", "0", "0");
  }

  @Test
  void jobLogColumns() throws Exception {
    Path g = dir.resolve("gnu.log");
    Path w = dir.resolve("weft.log");
    gnu("", "--joblog", g.toString(), "echo {}; exit {}", ":::", "0", "1", "2");
    weft("", "--joblog", w.toString(), "echo {}; exit {}", ":::", "0", "1", "2");
    List<String> gl = Files.readAllLines(g);
    List<String> wl = Files.readAllLines(w);
    assertThat(wl.getFirst()).isEqualTo(gl.getFirst());
    assertThat(columns(wl)).isEqualTo(columns(gl));
    for (String line : wl.subList(1, wl.size())) {
      List<String> f = List.of(line.split("\t", -1));
      assertThat(f).hasSize(9);
      assertThat(f.get(2)).matches("\\d{10}\\.\\d{3}");
      assertThat(f.get(3)).hasSize(10).matches(" *\\d+\\.\\d{3}");
    }
  }

  @Test
  void aTimedOutJobIsLoggedAsGnuParallelDoes() throws Exception {
    Path g = dir.resolve("gnu.log");
    Path w = dir.resolve("weft.log");
    Result gr = gnu("", "--timeout", "1", "--joblog", g.toString(), "sleep {}", ":::", "30");
    Result wr = weft("", "--timeout", "1", "--joblog", w.toString(), "sleep {}", ":::", "30");
    assertThat(wr.exit()).isEqualTo(gr.exit());
    assertThat(columns(Files.readAllLines(w))).isEqualTo(columns(Files.readAllLines(g)));
  }

  /** Seq, Send, Receive, Exitval, Signal and Command of each line, by Seq. */
  private static List<List<String>> columns(List<String> log) throws IOException {
    return log.subList(1, log.size()).stream()
        .map(l -> List.of(l.split("\t", -1)))
        .map(f -> List.of(f.get(0), f.get(4), f.get(5), f.get(6), f.get(7), f.get(8)))
        .sorted(Comparator.comparing(f -> Integer.parseInt(f.getFirst())))
        .toList();
  }
}
