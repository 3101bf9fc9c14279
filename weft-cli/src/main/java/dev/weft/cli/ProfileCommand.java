package dev.weft.cli;

import dev.weft.diagnose.Workload;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft profile -- CMD}: benchmarks a command in hyperfine's idiom (warm-up runs, measured
 * runs, a command to prepare each run, parameter scans, outlier warnings, JSON and Markdown
 * exports), compares its wall time with the CPU time it and the children it waited for used, and
 * says how wide to run it: an I/O-bound command with many slots, a CPU-bound one with one slot per
 * core. The command-line face of {@link Workload}.
 */
@Command(
    name = "profile",
    sortOptions = false,
    description = {
      "Runs CMD a few times in sequence, reports its time as hyperfine does (mean, sigma,",
      "range, outliers), says whether it is I/O-bound or CPU-bound, and how many to run at",
      "once ('weft run -j N'). CPU time is the command's and its waited-for children's (as the",
      "shell's 'times'); the command's output is discarded, its errors are shown.",
      "",
      "Examples:",
      "  weft profile -- curl -s https://example.com/",
      "  weft profile --warmup 3 --runs 10 --prepare 'sync' -- 'gzip -c big.log > /dev/null'",
      "  weft profile -P N 1 8 --export-markdown scan.md -- 'xz -T {N} -c big.log > /dev/null'"
    })
final class ProfileCommand implements Callable<Integer> {

  private static final Pattern SPACES = Pattern.compile("[ \t]+");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  @Option(
      names = {"-n", "-r", "--runs"},
      paramLabel = "N",
      description = "Measured runs (default 5).")
  int runs = 5;

  @Option(
      names = {"-w", "--warmup"},
      paramLabel = "N",
      description = "Runs before the measured ones, not counted (default 1).")
  int warmup = 1;

  @Option(
      names = {"-p", "--prepare"},
      paramLabel = "CMD",
      description = "A shell command run before every run, not timed.")
  @Nullable String prepare;

  @Option(
      names = {"-P", "--parameter-scan"},
      arity = "3",
      paramLabel = "NAME MIN MAX",
      description = "Profile once per integer MIN..MAX, put for {NAME} in CMD and --prepare.")
  List<String> scan = new ArrayList<>();

  @Option(
      names = "--target",
      paramLabel = "RATE",
      description = "Throughput wanted, like 50/s: the slots follow by Little's law.")
  @Nullable String target;

  @Option(
      names = "--max-jobs",
      paramLabel = "N",
      description = "Never recommend more slots than this (default 1000).")
  int maxJobs = 1000;

  @Option(
      names = "--shell",
      paramLabel = "PATH",
      description = "Shell for a command that needs one (default $SHELL, else /bin/sh).")
  @Nullable String shell;

  @Option(names = "--export-json", paramLabel = "FILE", description = "Every run's times as JSON.")
  @Nullable Path exportJson;

  @Option(
      names = "--export-markdown",
      paramLabel = "FILE",
      description = "A Markdown table of the results.")
  @Nullable Path exportMarkdown;

  @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments.")
  List<String> command = new ArrayList<>();

  private final PrintStream out;
  private final TimeSource time;

  ProfileCommand(PrintStream out) {
    this.out = out;
    this.time = TimeSource.system();
  }

  /** One profiled command: its words, its parameter (or none), its times and what they mean. */
  private record Result(
      String shown,
      @Nullable String parameter,
      long value,
      RunTimes times,
      Workload.Profile profile,
      Workload.Recommendation advice) {}

  @Override
  public Integer call() throws InterruptedException {
    if (runs < 1) {
      throw new BadInput("--runs must be >= 1, was " + runs);
    }
    if (warmup < 0) {
      throw new BadInput("--warmup must be >= 0, was " + warmup);
    }
    if (maxJobs < 1) {
      throw new BadInput("--max-jobs must be >= 1, was " + maxJobs);
    }
    Workload.Limits limits =
        new Workload.Limits(
            Runtime.getRuntime().availableProcessors(), maxJobs, OptionalDouble.empty());
    String rate = target;
    if (rate != null) {
      limits = limits.targetPerSecond(Rate.parse("--target", rate).perSecond());
    }
    if (shell != null) {
      Shell.checked("--shell", shell);
    }
    checkWritable("--export-json", exportJson);
    checkWritable("--export-markdown", exportMarkdown);
    List<Result> results = new ArrayList<>();
    if (scan.isEmpty()) {
      results.add(profile(null, 0, limits));
    } else {
      String name = scan.get(0);
      if (!NAME.matcher(name).matches()) {
        throw new BadInput("--parameter-scan NAME must be a word like N, was '" + name + "'");
      }
      long min = integer("--parameter-scan MIN", scan.get(1));
      long max = integer("--parameter-scan MAX", scan.get(2));
      if (min > max || max - min >= 1000) {
        throw new BadInput(
            "--parameter-scan must have MIN <= MAX and at most 1000 values, was '"
                + scan.get(1)
                + " "
                + scan.get(2)
                + "'");
      }
      for (long v = min; v <= max; v++) {
        out.printf(
            Locale.ROOT, "Benchmark %d: %s (%s = %d)%n", v - min + 1, shown(name, v), name, v);
        results.add(profile(name, v, limits));
        out.println();
      }
      compare(results);
    }
    export(results);
    return 0;
  }

  private Result profile(@Nullable String name, long value, Workload.Limits limits)
      throws InterruptedException {
    List<String> argv = argv(name, value);
    String shown = shown(name, value);
    String before = prepare == null ? null : substitute(prepare, name, value);
    for (int i = 1; i <= warmup; i++) {
      prepare(before);
      run(
          argv,
          shown,
          warmup == 1
              ? "warm-up run"
              : "warm-up run " + i); // caches, page cache, JIT of what the command starts
    }
    List<Workload.Sample> samples = new ArrayList<>(runs);
    List<Duration> walls = new ArrayList<>(runs);
    for (int i = 1; i <= runs; i++) {
      prepare(before);
      Workload.Sample s = run(argv, shown, "run " + i);
      samples.add(s);
      walls.add(s.wall());
    }
    Workload.Profile profile = Workload.of(samples);
    Workload.Recommendation r = profile.recommend(limits);
    RunTimes t = new RunTimes(walls);
    out.printf(
        Locale.ROOT,
        "%s: wall %s, cpu %s, cpu share %.2f (means of %d runs%s)%n",
        profile.kind(),
        millis(profile.wall()),
        millis(profile.cpu()),
        profile.cpuShare(),
        runs,
        warmup == 0 ? "" : warmup == 1 ? " after a warm-up" : " after " + warmup + " warm-ups");
    out.printf(
        Locale.ROOT,
        "  Time (mean ± σ):   %s ± %s    [CPU: %s]%n",
        ms(t.mean()),
        ms(t.stddev()),
        millis(profile.cpu()));
    out.printf(
        Locale.ROOT, "  Range (min … max): %s … %s    %d runs%n", ms(t.min()), ms(t.max()), runs);
    List<Integer> outliers = t.outliers();
    if (!outliers.isEmpty()) {
      out.printf(
          Locale.ROOT,
          "  Warning: %d statistical outlier(s) among %d runs (modified z-score > %.1f): other"
              + " programs may have been busy, or the first runs filled caches. Try --warmup,"
              + " --prepare, or a quiet machine.%n",
          outliers.size(),
          runs,
          RunTimes.OUTLIER_Z);
    }
    out.println(r.reason());
    out.println("weft run -j " + r.concurrency() + " ...");
    return new Result(shown, name, value, t, profile, r);
  }

  /** Prints how each scanned value compares with the fastest. */
  private void compare(List<Result> results) {
    Result fastest = results.getFirst();
    for (Result r : results) {
      if (r.times().mean() < fastest.times().mean()) {
        fastest = r;
      }
    }
    out.printf(Locale.ROOT, "Summary: %s = %d ran fastest%n", fastest.parameter(), fastest.value());
    for (Result r : results) {
      if (r.value() != fastest.value()) {
        out.printf(
            Locale.ROOT,
            "  %.2f times as long with %s = %d%n",
            r.times().mean() / fastest.times().mean(),
            r.parameter(),
            r.value());
      }
    }
  }

  private void export(List<Result> results) {
    double fastest = Double.MAX_VALUE;
    for (Result r : results) {
      fastest = Math.min(fastest, r.times().mean());
    }
    Path json = exportJson;
    if (json != null) {
      List<Object> list = new ArrayList<>();
      for (Result r : results) {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("command", r.shown());
        if (r.parameter() != null) {
          m.put("parameters", Map.of(String.valueOf(r.parameter()), Long.toString(r.value())));
        }
        m.put("mean", r.times().mean());
        m.put("stddev", r.times().stddev());
        m.put("median", r.times().median());
        m.put("min", r.times().min());
        m.put("max", r.times().max());
        m.put("cpu", r.profile().cpu().toNanos() / 1e9);
        m.put("times", r.times().times().stream().map(d -> (Object) (d.toNanos() / 1e9)).toList());
        m.put("outliers", r.times().outliers().size());
        m.put("kind", r.profile().kind().toString());
        m.put("jobs", r.advice().concurrency());
        list.add(m);
      }
      write("--export-json", json, List.of(Json.line(Map.of("results", list))));
    }
    Path md = exportMarkdown;
    if (md != null) {
      List<String> lines = new ArrayList<>();
      lines.add("| Command | Mean [ms] | Min [ms] | Max [ms] | Relative | Kind | -j |");
      lines.add("|:---|---:|---:|---:|---:|:---|---:|");
      for (Result r : results) {
        lines.add(
            String.format(
                Locale.ROOT,
                "| `%s` | %.1f ± %.1f | %.1f | %.1f | %.2f | %s | %d |",
                r.shown().replace("|", "\\|").replace("`", "'"),
                r.times().mean() * 1e3,
                r.times().stddev() * 1e3,
                r.times().min() * 1e3,
                r.times().max() * 1e3,
                r.times().mean() / fastest,
                r.profile().kind(),
                r.advice().concurrency()));
      }
      write("--export-markdown", md, lines);
    }
  }

  private static void checkWritable(String flag, @Nullable Path file) {
    if (file == null) {
      return;
    }
    Path parent = file.toAbsolutePath().getParent();
    if (Files.isDirectory(file) || (parent != null && !Files.isDirectory(parent))) {
      throw new BadInput(flag + " '" + file + "' cannot be written: no such folder, or a folder");
    }
  }

  private static void write(String flag, Path file, List<String> lines) {
    try {
      Files.write(file, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BadInput(flag + " '" + file + "' cannot be written: " + JobLog.reason(e), e);
    }
  }

  private static long integer(String what, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new BadInput(what + " must be an integer, was '" + value + "'", e);
    }
  }

  private static String substitute(String s, @Nullable String name, long value) {
    return name == null ? s : s.replace("{" + name + "}", Long.toString(value));
  }

  private String shown(@Nullable String name, long value) {
    return substitute(String.join(" ", command), name, value);
  }

  /** The command's words as exec'd: one word with shell syntax goes through the shell. */
  private List<String> argv(@Nullable String name, long value) {
    if (command.size() > 1) {
      return command.stream().map(w -> substitute(w, name, value)).toList();
    }
    String line = substitute(command.getFirst(), name, value);
    if (Shell.needsShell(line)) {
      return List.of(shell(), "-c", line);
    }
    return SPACES.splitAsStream(line.trim()).toList();
  }

  private String shell() {
    return shell == null ? Shell.fromEnvironment() : shell;
  }

  /** Runs {@code --prepare} through the shell, untimed; a failure ends the profile. */
  private void prepare(@Nullable String line) throws InterruptedException {
    if (line == null) {
      return;
    }
    int exit = start(List.of(shell(), "-c", line), "--prepare '" + line + "'").waitFor();
    if (exit != 0) {
      throw new BadInput("--prepare '" + line + "' exited with " + exit);
    }
  }

  private static Process start(List<String> argv, String shown) {
    try {
      return new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
    } catch (IOException e) {
      throw new BadInput("cannot start " + shown + ": " + e.getMessage());
    }
  }

  private Workload.Sample run(List<String> argv, String shown, String which)
      throws InterruptedException {
    Duration cpu0 = ChildCpu.total();
    long start = time.read();
    Process p = start(argv, "'" + shown + "'");
    int exit = p.waitFor();
    Duration wall = time.since(start);
    Duration cpu = ChildCpu.total().minus(cpu0);
    if (exit != 0) {
      throw new BadInput(
          "'"
              + shown
              + "' exited with "
              + exit
              + (which.startsWith("warm-up") ? " on its " + which : " on " + which)
              + "; profile a command that succeeds");
    }
    return new Workload.Sample(wall, cpu, Duration.ZERO, 0);
  }

  private static String millis(Duration d) {
    return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }

  private static String ms(double seconds) {
    return String.format(Locale.ROOT, "%.1f ms", seconds * 1e3);
  }
}
