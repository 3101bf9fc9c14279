package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A bad value for every option of every command that takes one: one line {@code weft: ...} naming
 * the flag and the value as given, exit 255, nothing on stdout, no stack trace, no job run. The
 * table is complete by construction: {@link #everyOptionHasARow} walks the real command's spec.
 */
class EveryFlagBadValueTest {

  /** A closed port on loopback: nothing listens on port 1 unless root started it on purpose. */
  private static final String NO_DB = "postgres://127.0.0.1:1/weft";

  @TempDir Path dir;

  private Path marker;

  /**
   * One row: {@code weft COMMAND FLAG VALUE} fails. In {@code value}, {@code DIR} is the test's
   * folder, which holds {@code file} (a regular file: paths under it cannot exist), {@code
   * garbage.db} (random bytes) and nothing else.
   */
  record Row(String command, String flag, String value) {
    @Override
    public String toString() {
      return "weft " + command + " " + flag + " " + value;
    }
  }

  /** Options that accept any string, with why; they have no bad value. */
  private static final List<String> EXEMPT =
      List.of(
          // a queue's name: any string is one; an unknown queue is simply drained at once
          "worker --queue");

  static Stream<Row> table() {
    return Stream.of(
        // run
        new Row("run", "-j", "-5"),
        new Row("run", "-j", "50x%"),
        new Row("run", "--jobs", "many"),
        new Row("run", "--jobs", "DIR/none.jsonl"),
        new Row("run", "--rate", "0/s"),
        new Row("run", "--rate", "fast"),
        new Row("run", "--delay", "-1s"),
        new Row("run", "--retries", "x"),
        new Row("run", "--retries", "0"),
        new Row("run", "--backoff", "exp:1m..1s"),
        new Row("run", "--backoff", "sometimes"),
        new Row("run", "--timeout", "10x"),
        new Row("run", "--timeout", "0"),
        new Row("run", "--timeout", "99999999999d"),
        new Row("run", "--grace", "soon"),
        new Row("run", "--halt", "sometimes"),
        new Row("run", "--halt", "now,fail=200%"),
        new Row("run", "--joblog", "DIR/file/log"),
        new Row("run", "--results", "DIR/file/results"),
        new Row("run", "--dead-letter", "DIR/file/dead"),
        new Row("run", "--state", "DIR/garbage.db"),
        new Row("run", "--state", "DIR/file/state.db"),
        new Row("run", "--state", "DIR"),
        new Row("run", "--db", "http://db:5432/weft"),
        new Row("run", "--db", "postgres://[bad"),
        new Row("run", "--db", NO_DB),
        new Row("run", "-a", "DIR/nope.txt"),
        new Row("run", "--colsep", "("),
        new Row("run", "--shell", "DIR/no-such-shell"),
        // fetch
        new Row("fetch", "-a", "DIR/nope.txt"),
        new Row("fetch", "-j", "0"),
        new Row("fetch", "-j", "x"),
        new Row("fetch", "--per-host", "-3"),
        new Row("fetch", "--rate", "5"),
        new Row("fetch", "--per-host-rate", "0/s"),
        new Row("fetch", "--retries", "0"),
        new Row("fetch", "--backoff", "exp:"),
        new Row("fetch", "--timeout", "0"),
        new Row("fetch", "--connect-timeout", "1y"),
        new Row("fetch", "--max-retry-after", "x"),
        new Row("fetch", "--breaker-window", "1"),
        new Row("fetch", "--breaker-min-calls", "30"),
        new Row("fetch", "--breaker-open", "x"),
        new Row("fetch", "--max-errors-per-host", "0"),
        new Row("fetch", "--min-speed", "10x"),
        new Row("fetch", "--min-speed-time", "slowly"),
        new Row("fetch", "--max-time", "0"),
        new Row("fetch", "--deadline", "soon"),
        new Row("fetch", "--delay-random", "2s..1s"),
        new Row("fetch", "--max-redirects", "-1"),
        new Row("fetch", "--format", "xml"),
        new Row("fetch", "-o", "DIR/file/out.jsonl"),
        new Row("fetch", "--bodies", "DIR/file/bodies"),
        new Row("fetch", "--dead-letter", "DIR/file/dead"),
        new Row("fetch", "--state", "DIR/garbage.db"),
        new Row("fetch", "--state", "DIR/file/state.db"),
        // demo
        new Row("demo", "--requests", "0"),
        new Row("demo", "--requests", "x"),
        new Row("demo", "-j", "x"),
        new Row("demo", "-j", "-1"),
        new Row("demo", "--dir", "DIR/file/demo"),
        // worker
        new Row("worker", "--db", "x"),
        new Row("worker", "--db", NO_DB),
        new Row("worker", "-j", "x"),
        new Row("worker", "--poll", "0"),
        new Row("worker", "--poll", "x"),
        // status
        new Row("status", "--state", "DIR/nope.db"),
        new Row("status", "--state", "DIR"),
        new Row("status", "--state", "DIR/garbage.db"),
        new Row("status", "--db", "x"),
        new Row("status", "--db", NO_DB),
        // dashboard
        new Row("dashboard", "--state", "DIR/nope.db"),
        new Row("dashboard", "--state", "DIR"),
        new Row("dashboard", "--state", "DIR/garbage.db"),
        new Row("dashboard", "--db", "x"),
        new Row("dashboard", "--db", NO_DB),
        new Row("dashboard", "--port", "70000"),
        new Row("dashboard", "--port", "x"),
        new Row("dashboard", "--bind", "300.1.2.3"),
        new Row("dashboard", "--bind", "dashboard.example"),
        new Row("dashboard", "--bind", "203.0.113.7"),
        new Row("dashboard", "--token", "short"),
        new Row("dashboard", "--token", "has spaces in it"),
        // profile
        new Row("profile", "-n", "0"),
        new Row("profile", "-n", "x"),
        new Row("profile", "--target", "x"),
        new Row("profile", "--max-jobs", "0"),
        new Row("profile", "--shell", "DIR/no-such-shell"),
        new Row("profile", "--warmup", "-1"),
        new Row("profile", "--prepare", "DIR/no-such-program"),
        new Row("profile", "-P", "9N"),
        new Row("profile", "--export-json", "DIR/file/out.json"),
        new Row("profile", "--export-markdown", "DIR"));
  }

  @BeforeEach
  void files() throws IOException {
    Files.writeString(dir.resolve("file"), "a regular file\n");
    byte[] garbage = new byte[3000];
    new java.util.Random(15).nextBytes(garbage);
    Files.write(dir.resolve("garbage.db"), garbage);
    marker = dir.resolve("marker");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void badValueIsOneLineNamingFlagAndValue(Row row) throws IOException {
    String value = row.value().replace("DIR", dir.toString());
    byte[] before = Files.readAllBytes(dir.resolve("garbage.db"));
    Cli c = Cli.run("", args(row, value));
    String firstLine = c.err().lines().findFirst().orElse("");
    assertThat(c.exit).as("exit of %s; stderr: %s", row, c.err()).isEqualTo(255);
    assertThat(c.out()).as("stdout of %s", row).isEmpty();
    assertThat(firstLine).as("stderr of %s", row).startsWith("weft: ");
    assertThat(names(row).stream().anyMatch(firstLine::contains))
        .as("%s names one of %s", firstLine, names(row))
        .isTrue();
    assertThat(firstLine).as("stderr of %s names the value", row).contains(value);
    assertThat(c.err()).as("stderr of %s", row).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(marker).as("%s ran no job", row).doesNotExist();
    assertThat(Files.readAllBytes(dir.resolve("garbage.db")))
        .as("%s left the corrupt state as it was", row)
        .isEqualTo(before);
  }

  /** The command line of a row: the flag, its value, then what the command needs to go on. */
  private String[] args(Row row, String value) throws IOException {
    List<String> a = new ArrayList<>(List.of(row.command(), row.flag(), value));
    List<String> touch = List.of("touch {}", ":::", marker.toString()); // the job, if it ran
    switch (row.command()) {
      case "run" -> {
        if (!row.flag().equals("--state")) {
          a.addAll(List.of("--state", dir.resolve("state.db").toString()));
        }
        if (!row.flag().equals("--jobs")) {
          a.addAll(touch);
        } else if (value.equals("many")) {
          a.add(touch.getFirst());
        }
      }
      case "fetch" -> {
        if (!row.flag().equals("--state")) {
          a.addAll(List.of("--state", dir.resolve("state.db").toString()));
        }
        if (!row.flag().equals("-a")) {
          Path urls = dir.resolve("urls.txt");
          Files.writeString(urls, "http://127.0.0.1:1/\n");
          a.add(urls.toString());
        }
      }
      case "demo" -> {
        if (!row.flag().equals("--dir")) {
          a.addAll(List.of("--dir", dir.resolve("demo").toString()));
        }
      }
      case "worker" -> {
        if (!row.flag().equals("--db")) {
          a.addAll(List.of("--db", NO_DB, "--exit-when-idle"));
        }
      }
      case "dashboard" -> {
        if (!row.flag().equals("--state") && !row.flag().equals("--db")) {
          Path empty = dir.resolve("empty.db");
          Files.write(empty, new byte[0]);
          a.addAll(List.of("--state", empty.toString()));
        }
      }
      case "profile" -> {
        if (row.flag().equals("-P")) {
          a.addAll(List.of("1", "3")); // -P takes NAME MIN MAX: the row's value is the NAME
        }
        a.addAll(List.of("-n", "1").subList(row.flag().equals("-n") ? 2 : 0, 2));
      }
      default -> {}
    }
    if (row.command().equals("profile")) {
      a.add("touch " + marker);
    }
    return a.toArray(String[]::new);
  }

  /** {@return every name of the row's option, as the message may name any of them} */
  private static List<String> names(Row row) {
    CommandSpec sub = spec().subcommands().get(row.command()).getCommandSpec();
    OptionSpec o = sub.findOption(row.flag());
    assertThat(o).as("%s is an option of weft %s", row.flag(), row.command()).isNotNull();
    return Arrays.asList(o.names());
  }

  private static CommandSpec spec() {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return Main.commandLine(InputStream.nullInputStream(), sink, sink).getCommandSpec();
  }

  @Test
  void everyOptionHasARow() {
    Set<String> covered = new TreeSet<>(EXEMPT);
    table().forEach(r -> covered.add(key(r.command(), names(r))));
    Set<String> missing = new TreeSet<>();
    walk(spec(), "", covered, missing);
    assertThat(missing).as("options with a value but no bad-value row (or exemption)").isEmpty();
  }

  private static void walk(
      CommandSpec spec, String path, Set<String> covered, Set<String> missing) {
    for (OptionSpec o : spec.options()) {
      if (o.arity().max() > 0 && !o.usageHelp() && !o.versionHelp()) {
        String key = key(path, Arrays.asList(o.names()));
        if (!covered.contains(key) && !covered.contains(path + " " + o.longestName())) {
          missing.add(path + " " + o.longestName());
        }
      }
    }
    spec.subcommands()
        .forEach((name, sub) -> {
          if (!sub.getCommandSpec().name().equals(name)) {
            return; // an alias
          }
          walk(sub.getCommandSpec(), (path + " " + name).strip(), covered, missing);
        });
  }

  private static String key(String command, List<String> names) {
    return command + " " + names.stream().max((a, b) -> a.length() - b.length()).orElseThrow();
  }
}
