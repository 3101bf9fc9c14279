package dev.weft.cli;

import dev.weft.diagnose.Workload;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft profile -- CMD}: runs a command a few times, one after another, compares its wall
 * time with the CPU time it and the children it waited for used, and says how wide to run it: an
 * I/O-bound command with many slots, a CPU-bound one with one slot per core. The command-line face
 * of {@link Workload}.
 */
@Command(
    name = "profile",
    sortOptions = false,
    description = {
      "Runs CMD a few times in sequence and says whether it is I/O-bound or CPU-bound,",
      "and how many to run at once ('weft run -j N').",
      "CPU time is the command's and its waited-for children's (as the shell's 'times');",
      "the command's output is discarded, its errors are shown.",
      "",
      "Examples:",
      "  weft profile -- curl -s https://example.com/",
      "  weft profile --target 50/s -- 'gzip -c big.log > /dev/null'"
    })
final class ProfileCommand implements Callable<Integer> {

  private static final Pattern SPACES = Pattern.compile("[ \t]+");

  @Option(
      names = {"-n", "--runs"},
      paramLabel = "N",
      description = "Measured runs, after one warm-up run (default 5).")
  int runs = 5;

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

  @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments.")
  List<String> command = new ArrayList<>();

  private final PrintStream out;
  private final TimeSource time;

  ProfileCommand(PrintStream out) {
    this.out = out;
    this.time = TimeSource.system();
  }

  @Override
  public Integer call() throws InterruptedException {
    if (runs < 1) {
      throw new BadInput("--runs must be >= 1, was " + runs);
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
    List<String> argv = argv();
    String shown = String.join(" ", command);
    run(argv, shown, 0); // warm-up: caches, page cache, JIT of whatever the command starts
    List<Workload.Sample> samples = new ArrayList<>(runs);
    for (int i = 1; i <= runs; i++) {
      samples.add(run(argv, shown, i));
    }
    Workload.Profile profile = Workload.of(samples);
    Workload.Recommendation r = profile.recommend(limits);
    out.printf(
        Locale.ROOT,
        "%s: wall %s, cpu %s, cpu share %.2f (means of %d runs after a warm-up)%n",
        profile.kind(),
        millis(profile.wall()),
        millis(profile.cpu()),
        profile.cpuShare(),
        runs);
    out.println(r.reason());
    out.println("weft run -j " + r.concurrency() + " ...");
    return 0;
  }

  /** The command's words as exec'd: one word with shell syntax goes through the shell. */
  private List<String> argv() {
    if (command.size() > 1) {
      return command;
    }
    String line = command.getFirst();
    if (Shell.needsShell(line)) {
      return List.of(shell == null ? Shell.fromEnvironment() : shell, "-c", line);
    }
    return SPACES.splitAsStream(line.trim()).toList();
  }

  private Workload.Sample run(List<String> argv, String shown, int run)
      throws InterruptedException {
    Duration cpu0 = ChildCpu.total();
    long start = time.read();
    Process p;
    try {
      p =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException e) {
      throw new BadInput("cannot start '" + shown + "': " + e.getMessage());
    }
    int exit = p.waitFor();
    Duration wall = time.since(start);
    Duration cpu = ChildCpu.total().minus(cpu0);
    if (exit != 0) {
      throw new BadInput(
          "'"
              + shown
              + "' exited with "
              + exit
              + (run == 0 ? " on its warm-up run" : " on run " + run)
              + "; profile a command that succeeds");
    }
    return new Workload.Sample(wall, cpu, Duration.ZERO, 0);
  }

  private static String millis(Duration d) {
    return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }
}
