package dev.weft.cli;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.Worker;
import dev.weft.observe.Progress;
import dev.weft.observe.ProgressBar;
import dev.weft.policy.Backoff;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft run}: runs a shell command for every input, GNU parallel style, with weft's controls.
 * The options are read here, checked, and handed to {@link Runner}.
 */
@Command(
    name = "run",
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Runs COMMAND once for every input, several at a time, GNU parallel style.",
      "",
      "Input: '::: a b c' (several ::: groups give the cross product, ':::+' pairs with the",
      "previous group), ':::: FILE' (lines of FILE, '-' for stdin), '-a FILE', else lines of",
      "stdin. Input is streamed: jobs start at once and memory stays flat.",
      "",
      "Placeholders: {} the input, {.} without extension, {/} basename, {//} dirname,",
      "{/.} basename without extension, {#} job number, {%%} slot; {1} {2.} ... per source.",
      "Inputs are shell-quoted: a file named 'a b; rm -rf x' is one argument, never code.",
      "A command without shell syntax is exec'd directly, without a shell.",
      "",
      "Exit status: 0 all succeeded; 1-100 the number of failed jobs; 101 more than 100;",
      "with --halt ...,fail=1 the failing job's exit code; 255 bad input, an error or Ctrl-C.",
      "",
      "State: every run is recorded in SQLite (.weft/state.db); after Ctrl-C or a crash,",
      "'--resume' skips the jobs that finished and '--resume-failed' re-runs failed ones.",
      "",
      "Several machines: with '--db postgres://...' the jobs go into a shared queue that",
      "'weft worker --db ...' on other machines drains too; this process prints the output of",
      "every job wherever it ran, writes --joblog/--results/--dead-letter for all of them, and",
      "exits when all have ended. --rate and --delay become the queue's limit in the database",
      "(all machines together), --halt reaches every worker, {%%} is the slot on the machine",
      "that runs the job, and --resume follows the last run of the same command again.",
      "",
      "Examples:",
      "  weft run gzip ::: *.log",
      "  find . -name '*.wav' | weft run -j 50%% --bar ffmpeg -i {} {.}.mp3",
      "  weft run --rate 20/s --retries 3 --timeout 30s --joblog jobs.log curl -sf {} :::: urls",
      "  weft run --halt now,fail=1 -k 'test -s {}' ::: a b c"
    })
final class RunCommand implements Callable<Integer> {

  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  /** How long {@code run --db} lets its own handlers return their outcomes once every job ended. */
  private static final Duration FINISHING_GRACE = Duration.ofSeconds(30);

  @Option(
      names = {"-j", "-P", "--max-procs"},
      paramLabel = "N",
      description =
          "Job slots: N, N%% of cores, +N, -N, 0 for as many as possible (default 100%%).")
  String jobs = "100%";

  @Option(
      names = "--jobs",
      paramLabel = "FILE|N",
      description =
          "JSON lines of jobs with dependencies ({\"id\":..,\"cmd\":..,\"needs\":[..]});"
              + " a number here means -j, as in GNU parallel.")
  @Nullable String jobsFile;

  @Option(names = "--rate", paramLabel = "N/UNIT", description = "Start at most N jobs per s|m|h.")
  @Nullable String rate;

  @Option(
      names = "--delay",
      paramLabel = "DURATION",
      description = "Wait this long between starts.")
  @Nullable String delay;

  @Option(
      names = "--retries",
      paramLabel = "N",
      description = "Tries per job in total, as GNU parallel counts them (default 1).")
  int retries = 1;

  @Option(
      names = "--backoff",
      paramLabel = "SPEC",
      description =
          "Wait before a retry: exp:FROM..TO (jittered), fixed:D, none (default exp:1s..1m).")
  String backoff = "exp:1s..1m";

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description = "Kill a try's whole process tree after this long (TERM, then KILL).")
  @Nullable String timeout;

  @Option(names = "--grace", paramLabel = "DURATION", description = "TERM to KILL (default 2s).")
  String grace = "2s";

  @Option(
      names = "--halt",
      paramLabel = "WHEN,WHAT=N",
      description = "Stop early: now,fail=1 | soon,fail=10%% | now,success=1 | never.")
  String halt = "never";

  @Option(
      names = {"-k", "--keep-order"},
      description = "Print outputs in input order.")
  boolean keepOrder;

  @Option(names = "--tag", description = "Prefix output lines with the arguments and a TAB.")
  boolean tag;

  @Option(names = "--dry-run", description = "Print the commands, run nothing.")
  boolean dryRun;

  @Option(names = "--bar", description = "Progress bar on stderr.")
  boolean bar;

  @Option(names = "--eta", description = "Progress counts and ETA on stderr.")
  boolean eta;

  @Option(
      names = "--joblog",
      paramLabel = "FILE",
      description = "GNU parallel's job log; every try.")
  @Nullable Path joblog;

  @Option(names = "--results", paramLabel = "FILE", description = "One JSON line per job.")
  @Nullable Path results;

  @Option(
      names = "--dead-letter",
      paramLabel = "FILE",
      description = "Arguments of jobs that finally failed, one line each (TAB between sources).")
  @Nullable Path deadLetter;

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description = "SQLite file recording the run (default .weft/state.db).")
  Path state = Path.of(".weft", "state.db");

  @Option(
      names = "--db",
      paramLabel = "URL",
      description =
          "postgres://... : a shared queue that 'weft worker' on other machines drains too;"
              + " outputs and records of all jobs come back here.")
  @Nullable String db;

  @Option(names = "--no-state", description = "Record nothing; --resume is then impossible.")
  boolean noState;

  @Option(
      names = "--resume",
      description = "Skip the jobs an earlier run of this command finished.")
  boolean resume;

  @Option(names = "--resume-failed", description = "Like --resume, but run the failed jobs again.")
  boolean resumeFailed;

  @Option(
      names = {"-a", "--arg-file"},
      paramLabel = "FILE",
      description = "Read input from FILE (may repeat).")
  List<String> argFiles = new ArrayList<>();

  @Option(
      names = "--colsep",
      paramLabel = "REGEX",
      description = "Split input lines into {1} {2}..")
  @Nullable String colsep;

  @Option(
      names = "--shell",
      paramLabel = "PATH",
      description = "Shell for commands that need one (default $SHELL, else /bin/sh).")
  @Nullable String shell;

  @Parameters(paramLabel = "COMMAND", description = "The command template, then input sources.")
  List<String> words = new ArrayList<>();

  private final InputStream stdin;
  private final PrintStream out;
  private final PrintStream err;
  private final TimeSource time = TimeSource.system();

  RunCommand(InputStream stdin, PrintStream out, PrintStream err) {
    this.stdin = stdin;
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException {
    DependencyRun dag = null;
    if (jobsFile != null) {
      String v = jobsFile;
      if (!Files.exists(Path.of(v)) && v.matches("\\d+%?|[+-]\\d+")) {
        jobs = v;
      } else {
        if (!words.isEmpty()) {
          throw new BadInput(
              Files.exists(Path.of(v))
                  ? "--jobs FILE gives the commands; remove " + words
                  : "--jobs must be a number (as -j) or a file of jobs, was '" + v + "'");
        }
        dag = new DependencyRun(Path.of(v));
        noState = true; // job numbers follow completion order: not resumable by number yet
      }
    }
    RunSettings settings = settings();
    if (db != null) {
      return runDistributed(db, settings, dag);
    }
    CommandWords split = CommandWords.split(words);
    List<InputSource.Spec> specs = new ArrayList<>();
    argFiles.forEach(f -> specs.add(InputSource.Spec.file(InputSource.argFile(f), false)));
    specs.addAll(split.sources());
    Halt haltRule = settings.halt();
    try (InputSource input = new InputSource(specs, stdin, colsepPattern());
        Closer closer = new Closer()) {
      boolean resuming = resume || resumeFailed;
      JobLog log = joblog == null ? null : closer.add(new JobLog(joblog, resuming));
      LineFile res =
          results == null ? null : closer.add(new LineFile("--results", results, resuming));
      LineFile dead =
          deadLetter == null
              ? null
              : closer.add(new LineFile("--dead-letter", deadLetter, resuming));
      RunState runState = null;
      boolean stateful = !noState && !settings.dryRun();
      OptionalLong total =
          dag != null
              ? OptionalLong.of(dag.size())
              : haltRule.percent() || bar || eta || stateful
                  ? input.countTotal()
                  : OptionalLong.empty();
      if (stateful) {
        RunState.Mode mode =
            resumeFailed
                ? RunState.Mode.RESUME_FAILED
                : resume ? RunState.Mode.RESUME : RunState.Mode.FRESH;
        String identity = settings.template().text() + "\n" + input.describe();
        RunState.Origin origin =
            new RunState.Origin(
                Replay.argv(spec, input.readsStdin()),
                Path.of("").toAbsolutePath(),
                total.orElse(-1));
        runState = new RunState(state, key(identity), identity, origin, mode, time);
      } else if (resuming) {
        throw new BadInput("--resume needs the state; it cannot be combined with --no-state");
      }
      Progress progress = bar || eta ? progress(total, time) : null;
      HaltTracker tracker = new HaltTracker(haltRule, total);
      OutputPrinter printer = new OutputPrinter(out, err, settings.keepOrder());
      Runner runner =
          new Runner(
              settings,
              new Runner.Sinks(printer, log, res, dead, progress, runState, out, err),
              tracker,
              time);
      InterruptHook hook = InterruptHook.install(runner::interrupt);
      String stateFailure = null;
      ProgressBar shown = progress == null ? null : showProgress(progress, err, "jobs", time);
      try {
        if (dag != null) {
          runner.onFinished(dag::finished);
          runner.run(dag, seq -> false);
          for (String s : dag.skipped()) {
            err.println("weft: skipped " + s);
            tracker.finished(false, 1);
          }
        } else {
          runner.run(input, runState == null ? seq -> false : runState.skip());
        }
      } finally {
        if (shown != null) {
          shown.close();
        }
        if (runState != null) {
          stateFailure =
              runState.close(
                  runner.interrupted() ? "interrupted" : tracker.halted() ? "halted" : "done");
        }
        if (runner.interrupted()) {
          err.println("weft: interrupted; finished jobs are recorded, --resume runs the rest");
        }
        hook.close();
      }
      String failure = runner.sinkFailure() != null ? runner.sinkFailure() : stateFailure;
      if (failure != null) {
        err.println("weft: " + failure);
        return Main.ERROR;
      }
      if (runner.interrupted()) {
        return Main.ERROR;
      }
      return tracker.exitStatus();
    }
  }

  private int runDistributed(String url, RunSettings settings, @Nullable DependencyRun dag)
      throws IOException {
    DatabaseUrl.parse(url).checkReachable(url, Duration.ofSeconds(5));
    CommandWords split = CommandWords.split(words);
    List<InputSource.Spec> specs = new ArrayList<>();
    argFiles.forEach(f -> specs.add(InputSource.Spec.file(InputSource.argFile(f), false)));
    specs.addAll(split.sources());
    try (InputSource input =
            dag != null
                ? new InputSource(List.of(), InputStream.nullInputStream(), null)
                : new InputSource(specs, stdin, colsepPattern());
        Closer closer = new Closer()) {
      if (settings.dryRun()) {
        if (dag != null) {
          dag.topological().forEach(j -> out.println(j.cmd()));
          return 0;
        }
        for (long seq = 1; input.hasNext(); seq++) {
          out.println(settings.template().line(input.next(), seq, 1));
        }
        return 0;
      }
      boolean resuming = resume || resumeFailed;
      JobLog log = joblog == null ? null : closer.add(new JobLog(joblog, resuming));
      LineFile res =
          results == null ? null : closer.add(new LineFile("--results", results, resuming));
      LineFile dead =
          deadLetter == null
              ? null
              : closer.add(new LineFile("--dead-letter", deadLetter, resuming));
      String identity =
          dag != null
              ? "--jobs\n" + Files.readString(Path.of(String.valueOf(jobsFile)))
              : settings.template().text() + "\n" + input.describe();
      try (JobQueue jobs = JobQueue.open(url);
          HaltWatch watch = new HaltWatch(jobs)) {
        String runId = DistributedRun.runId(jobs, identity, resuming);
        String queue = DistributedRun.queueName(runId);
        long total;
        long added;
        RunFollower.Graph graph = null;
        if (dag != null) {
          long[] a = {0};
          graph = DistributedRun.enqueue(jobs, runId, settings, backoff, dag, a);
          total = dag.size();
          added = a[0];
        } else {
          long[] r = DistributedRun.enqueue(jobs, runId, settings, split.command(), backoff, input);
          total = r[0];
          added = r[1];
        }
        DistributedRun.rate(jobs, runId, settings.startInterval());
        if (resumeFailed) {
          jobs.retryAllDead(queue);
        }
        List<Long> before = resuming ? DistributedRun.finished(jobs, runId) : List.of();
        err.println(
            "weft: queue "
                + queue
                + ": "
                + added
                + " new jobs; 'weft worker --db URL' on other machines helps drain it");
        DistributedRun.announce(jobs, runId, time);
        Progress progress = bar || eta ? progress(OptionalLong.of(total), time) : null;
        HaltTracker tracker = new HaltTracker(settings.halt(), OptionalLong.of(total));
        OutputPrinter printer = new OutputPrinter(out, err, settings.keepOrder());
        RunFollower follower =
            new RunFollower(
                total,
                settings,
                new Runner.Sinks(printer, log, res, dead, progress, null, out, err),
                tracker,
                graph,
                when -> HaltWatch.halt(jobs, queue, when));
        for (long s : before) {
          follower.endedBefore(s);
        }
        InterruptHook hook = InterruptHook.install(follower::interrupt);
        ProgressBar shown = progress == null ? null : showProgress(progress, err, "jobs", time);
        Worker reports =
            jobs.worker(DistributedRun.reportQueue(runId))
                .handler(CommandJob.REPORT, follower)
                .concurrency(4)
                .start();
        Worker work = null;
        try {
          work =
              DistributedRun.commandWorker(
                  jobs, queue, new Slots(settings.jobs()), settings.jobs(), watch, time);
          follower.awaitEnded();
        } finally {
          if (work != null) {
            // every job ended: a handler still running has sent its last report and is returning
            // its outcome, which must reach the database (released, the job would run again);
            // interrupted or failing: the jobs go back to the queue at once
            boolean ended = !follower.interrupted() && follower.sinkFailure() == null;
            work.close(ended ? FINISHING_GRACE : Duration.ZERO);
          }
          reports.close();
          if (shown != null) {
            shown.close();
          }
          printer.flushAll();
          out.flush();
          if (follower.interrupted()) {
            err.println(
                "weft: interrupted; the run's jobs stay queued for 'weft worker', and the same"
                    + " command with --resume follows the run again");
          }
          hook.close();
        }
        String failure = follower.sinkFailure();
        if (failure != null) {
          err.println("weft: " + failure);
          return Main.ERROR;
        }
        return follower.interrupted() ? Main.ERROR : tracker.exitStatus();
      }
    }
  }

  RunSettings settings() {
    int cores = Runtime.getRuntime().availableProcessors();
    int slots = Parallelism.parse(jobs, cores);
    Duration interval = Duration.ZERO;
    if (rate != null) {
      interval = Rate.parse("--rate", rate).interval();
    }
    if (delay != null) {
      Duration d = Durations.parse("--delay", delay);
      interval = d.compareTo(interval) > 0 ? d : interval;
    }
    Duration limit = timeout == null ? null : Durations.parse("--timeout", timeout);
    Backoff b = BackoffSpec.parse(backoff);
    Halt h = Halt.parse(halt);
    if (resume && resumeFailed) {
      throw new BadInput("--resume and --resume-failed exclude each other; pick one");
    }
    String sh = shell == null ? Shell.fromEnvironment() : Shell.checked("--shell", shell);
    return new RunSettings(
        Template.parse(CommandWords.split(words).command()),
        slots,
        interval,
        retries,
        b,
        limit,
        Durations.parse("--grace", grace),
        h,
        keepOrder,
        tag,
        dryRun,
        sh);
  }

  private @Nullable Pattern colsepPattern() {
    if (colsep == null) {
      return null;
    }
    try {
      return Pattern.compile(colsep);
    } catch (PatternSyntaxException e) {
      throw new BadInput("--colsep must be a regular expression, was '" + colsep + "'", e);
    }
  }

  /**
   * {@return a tracker of {@code total} units (unknown if empty) for {@code --bar}/{@code --eta}}
   */
  static Progress progress(OptionalLong total, TimeSource time) {
    Progress p = Progress.unbounded(Progress.DEFAULT_WINDOW, time);
    if (total.isPresent()) {
      p.total(total.getAsLong());
    }
    return p;
  }

  /**
   * {@return a started bar showing {@code progress} on {@code err}}: redrawn in place when {@code
   * err} is the process's standard error and that is a terminal, else a plain line every ten
   * seconds. The caller closes it, which prints the final line.
   */
  @SuppressWarnings("ReferenceEquality") // the process's very stream, not an equal one
  static ProgressBar showProgress(
      Progress progress, PrintStream err, String label, TimeSource time) {
    return ProgressBar.builder(progress)
        .output(new OutputStreamWriter(err, err.charset()))
        .terminal(err == System.err && ProgressBar.stderrIsTerminal())
        .label(label)
        .time(time)
        .build()
        .start();
  }

  static String key(String identity) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  InputStream stdin() {
    return stdin;
  }

  PrintStream out() {
    return out;
  }

  PrintStream err() {
    return err;
  }
}
