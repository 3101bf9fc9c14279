package dev.weft.cli;

import dev.weft.observe.Progress;
import dev.weft.observe.ProgressBar;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weft fetch}: HTTP requests for every input line, politely and resumably. */
@Command(
    name = "fetch",
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Fetches every URL of the input (files, or stdin) concurrently and writes one JSON line",
      "(or CSV row) per URL: url, status, bytes, duration_ms, attempts, error, body. A line may",
      "also be a JSON request: {\"url\": ..., \"method\": \"POST\", \"headers\": {...},",
      "\"body\": \"...\", \"timeout\": \"5s\", \"max_time\": \"1m\", \"retries\": 5}.",
      "",
      "Retries connect errors, timeouts, 429 and 5xx with jittered backoff, honouring",
      "Retry-After. A host that keeps failing trips its circuit breaker: new URLs fail at once,",
      "retries wait for its probe instead of being spent. Re-fetching into --bodies asks with",
      "If-None-Match / If-Modified-Since. HTTP/2 and keep-alive come from java.net.http.",
      "",
      "Exit status: 0 all fetched; 1-100 the number of failed URLs; 101 more; 255 errors.",
      "",
      "Examples:",
      "  weft fetch urls.txt -o results.jsonl --bar",
      "  weft fetch -j 100 --per-host 8 --per-host-rate 10/s --bodies pages/ urls.txt"
    })
final class FetchCommand implements Callable<Integer> {

  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "Files of URLs or JSON requests ('-' stdin).")
  List<String> files = new ArrayList<>();

  @Option(
      names = {"-a", "--arg-file"},
      paramLabel = "FILE",
      description = "Same as FILE.")
  List<String> argFiles = new ArrayList<>();

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description = "Requests in flight (64).")
  int jobs = 64;

  @Option(names = "--per-host", paramLabel = "N", description = "In flight per host (16).")
  int perHost = 16;

  @Option(names = "--rate", paramLabel = "N/UNIT", description = "Requests per s|m|h overall.")
  @Nullable String rate;

  @Option(names = "--per-host-rate", paramLabel = "N/UNIT", description = "Requests per host.")
  @Nullable String perHostRate;

  @Option(names = "--retries", paramLabel = "N", description = "Tries per URL in total (3).")
  int retries = 3;

  @Option(names = "--backoff", paramLabel = "SPEC", description = "exp:FROM..TO (exp:200ms..10s).")
  String backoff = "exp:200ms..10s";

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Per request (30s).")
  String timeout = "30s";

  @Option(names = "--connect-timeout", paramLabel = "DURATION", description = "Connect (10s).")
  String connectTimeout = "10s";

  @Option(
      names = "--max-retry-after",
      paramLabel = "DURATION",
      description = "Longest Retry-After honoured (60s).")
  String maxRetryAfter = "60s";

  @Option(
      names = "--breaker-window",
      paramLabel = "N",
      description = "A host's breaker opens when half of its last N requests failed (20).")
  int breakerWindow = 20;

  @Option(
      names = "--breaker-min-calls",
      paramLabel = "N",
      description = "Judge a host only after N requests (half the window).")
  @Nullable Integer breakerMinCalls;

  @Option(names = "--breaker-open", paramLabel = "DURATION", description = "Open for (30s).")
  String breakerOpen = "30s";

  @Option(
      names = "--max-errors-per-host",
      paramLabel = "N",
      description = "Skip a host's remaining URLs after N failed requests.")
  @Nullable Integer maxErrorsPerHost;

  @Option(
      names = "--min-speed",
      paramLabel = "BYTES",
      description = "Fail a transfer slower than BYTES/s (k, M: x1024)...")
  @Nullable String minSpeed;

  @Option(
      names = "--min-speed-time",
      paramLabel = "DURATION",
      description = "...for this long (30s).")
  @Nullable String minSpeedTime;

  @Option(
      names = "--max-time",
      paramLabel = "DURATION",
      description = "Per URL, its retries and waits included.")
  @Nullable String maxTime;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      description = "For the whole run; URLs not started are left to --resume.")
  @Nullable String deadline;

  @Option(
      names = "--delay-random",
      paramLabel = "FROM..TO",
      description = "A random wait before each request, like 500ms..2s.")
  @Nullable String delayRandom;

  @Option(
      names = "--max-redirects",
      paramLabel = "N",
      description = "Redirects followed per request (5).")
  int maxRedirects = 5;

  @Option(names = "--http1", description = "Use HTTP/1.1 only.")
  boolean http1;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Results (stdout).")
  @Nullable Path output;

  @Option(names = "--format", paramLabel = "jsonl|csv", description = "Of the results (jsonl).")
  String format = "jsonl";

  @Option(names = "--bodies", paramLabel = "DIR", description = "Save bodies as DIR/<n>.body.")
  @Nullable Path bodies;

  @Option(names = "--dead-letter", paramLabel = "FILE", description = "URLs that finally failed.")
  @Nullable Path deadLetter;

  @Option(names = "--state", paramLabel = "FILE", description = "SQLite state (.weft/state.db).")
  Path state = Path.of(".weft", "state.db");

  @Option(names = "--no-state", description = "Record nothing.")
  boolean noState;

  @Option(names = "--resume", description = "Skip URLs an earlier run of this input finished.")
  boolean resume;

  @Option(names = "--resume-failed", description = "Like --resume, but fetch failed ones again.")
  boolean resumeFailed;

  @Option(names = "--bar", description = "Progress bar on stderr.")
  boolean bar;

  @Option(names = "--eta", description = "Progress counts and ETA on stderr.")
  boolean eta;

  private final InputStream stdin;
  private final PrintStream out;
  private final PrintStream err;
  private final TimeSource time = TimeSource.system();

  FetchCommand(InputStream stdin, PrintStream out, PrintStream err) {
    this.stdin = stdin;
    this.out = out;
    this.err = err;
  }

  FetchSettings settings() {
    return new FetchSettings(
        jobs,
        perHost,
        rate == null ? null : Rate.parse("--rate", rate),
        perHostRate == null ? null : Rate.parse("--per-host-rate", perHostRate),
        retries,
        BackoffSpec.parse(backoff),
        positive("--timeout", timeout),
        positive("--connect-timeout", connectTimeout),
        Durations.parse("--max-retry-after", maxRetryAfter),
        breakerWindow,
        breakerMinCalls != null ? breakerMinCalls : Math.max(1, breakerWindow / 2),
        Durations.parse("--breaker-open", breakerOpen),
        http1,
        limits());
  }

  private FetchSettings.Limits limits() {
    FetchExchange.Stall stall = null;
    if (minSpeed != null) {
      Duration over =
          minSpeedTime == null
              ? Duration.ofSeconds(30)
              : positive("--min-speed-time", minSpeedTime);
      stall = new FetchExchange.Stall(bytes("--min-speed", minSpeed), over);
    } else if (minSpeedTime != null) {
      throw new BadInput("--min-speed-time '" + minSpeedTime + "' needs --min-speed");
    }
    Duration from = null;
    Duration to = null;
    if (delayRandom != null) {
      int dots = delayRandom.indexOf("..");
      if (dots < 0) {
        throw new BadInput(
            "--delay-random must be FROM..TO like 500ms..2s, was '" + delayRandom + "'");
      }
      from = Durations.parse("--delay-random", delayRandom.substring(0, dots));
      to = Durations.parse("--delay-random", delayRandom.substring(dots + 2));
      if (from.compareTo(to) > 0) {
        throw new BadInput("--delay-random must have FROM <= TO, was '" + delayRandom + "'");
      }
    }
    return new FetchSettings.Limits(
        maxErrorsPerHost,
        stall,
        maxTime == null ? null : positive("--max-time", maxTime),
        deadline == null ? null : positive("--deadline", deadline),
        from,
        to,
        maxRedirects);
  }

  /** {@return {@code value}, a positive number of bytes with an optional k or M (x1024)} */
  private static long bytes(String flag, String value) {
    String v = value.trim();
    long unit = 1;
    if (v.endsWith("k") || v.endsWith("K")) {
      unit = 1024;
      v = v.substring(0, v.length() - 1);
    } else if (v.endsWith("M")) {
      unit = 1024 * 1024;
      v = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(v);
      if (n > 0 && n <= Long.MAX_VALUE / unit) {
        return n * unit;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new BadInput(
        flag + " must be a positive number of bytes like 1000, 64k or 1M, was '" + value + "'");
  }

  private FetchSinks.Format format() {
    return switch (format) {
      case "jsonl", "json" -> FetchSinks.Format.JSONL;
      case "csv" -> FetchSinks.Format.CSV;
      default -> throw new BadInput("--format must be jsonl or csv, was '" + format + "'");
    };
  }

  private static Duration positive(String flag, String value) {
    Duration d = Durations.parse(flag, value);
    if (d.isZero()) {
      throw new BadInput(flag + " must be > 0, was '" + value + "'");
    }
    return d;
  }

  @Override
  public Integer call() throws IOException {
    FetchSettings settings = settings();
    FetchSinks.Format form = format();
    if (resume && resumeFailed) {
      throw new BadInput("--resume and --resume-failed exclude each other; pick one");
    }
    List<InputSource.Spec> specs = new ArrayList<>();
    argFiles.forEach(f -> specs.add(InputSource.Spec.file(InputSource.argFile(f), false)));
    files.forEach(f -> specs.add(InputSource.Spec.file(f, false)));
    if (specs.size() > 1) {
      throw new BadInput("weft fetch reads one input; got " + specs.size() + " files");
    }
    try (InputSource input = new InputSource(specs, stdin, null);
        Closer closer = new Closer()) {
      boolean resuming = resume || resumeFailed;
      Path o = output;
      boolean fresh = o == null || !resuming || !Files.exists(o) || Files.size(o) == 0;
      LineFile results =
          closer.add(o == null ? new LineFile(out) : new LineFile("--output", o, resuming));
      if (form == FetchSinks.Format.CSV && fresh) {
        results.println(Csv.header(FetchSinks.COLUMNS));
      }
      Path dir = bodies;
      if (dir != null) {
        try {
          Files.createDirectories(dir);
        } catch (IOException e) {
          throw new BadInput("--bodies '" + dir + "' cannot be created: " + JobLog.reason(e), e);
        }
      }
      LineFile dead =
          deadLetter == null
              ? null
              : closer.add(new LineFile("--dead-letter", deadLetter, resuming));
      RunState runState = null;
      OptionalLong total = bar || eta || !noState ? input.countTotal() : OptionalLong.empty();
      if (!noState) {
        RunState.Mode mode =
            resumeFailed
                ? RunState.Mode.RESUME_FAILED
                : resume ? RunState.Mode.RESUME : RunState.Mode.FRESH;
        String identity = "fetch\n" + input.describe();
        RunState.Origin origin =
            new RunState.Origin(
                Replay.argv(spec, input.readsStdin()),
                Path.of("").toAbsolutePath(),
                total.orElse(-1));
        runState = new RunState(state, RunCommand.key(identity), identity, origin, mode, time);
      } else if (resuming) {
        throw new BadInput("--resume needs the state; it cannot be combined with --no-state");
      }
      Progress progress = bar || eta ? RunCommand.progress(total, time) : null;
      Fetcher fetcher =
          new Fetcher(settings, new FetchSinks(results, form, dir, dead, progress, runState), time);
      InterruptHook hook = InterruptHook.install(fetcher::interrupt);
      FetchStats stats;
      String stateFailure = null;
      ProgressBar shown =
          progress == null ? null : RunCommand.showProgress(progress, err, "urls", time);
      try {
        stats = fetcher.run(lines(input), runState == null ? seq -> false : runState.skip());
      } finally {
        if (shown != null) {
          shown.close();
        }
        if (runState != null) {
          stateFailure = runState.close(fetcher.interrupted() ? "interrupted" : "done");
        }
        if (fetcher.interrupted()) {
          err.println("weft: interrupted; finished URLs are recorded, --resume fetches the rest");
        }
        hook.close();
      }
      summary(stats);
      String failure = fetcher.sinkFailure() != null ? fetcher.sinkFailure() : stateFailure;
      if (failure != null) {
        err.println("weft: " + failure);
        return Main.ERROR;
      }
      if (fetcher.interrupted()) {
        return Main.ERROR;
      }
      return (int) Math.min(stats.failed.get() + stats.notStarted.get(), 101);
    }
  }

  /** Prints, on stderr, what the breakers did, when they did anything. */
  private void summary(FetchStats stats) {
    stats.skippedHosts.forEach((host, urls) ->
        err.printf(
            Locale.ROOT,
            "weft: skipped %s after %d failed requests (--max-errors-per-host): %d URL(s)%n",
            host,
            maxErrorsPerHost,
            urls.get()));
    if (stats.notStarted.get() > 0) {
      err.printf(
          Locale.ROOT,
          "weft: --deadline %s passed: %d URL(s) not started%s; --resume fetches them%n",
          deadline,
          stats.notStarted.get(),
          stats.unreadAfter == 0 ? "" : ", input after line " + stats.unreadAfter + " not read");
    }
    if (stats.breakerTrips.get() > 0) {
      err.printf(
          Locale.ROOT,
          "weft: circuit breakers opened %d time(s); %d URL(s) refused, %d wait(s) for a probe%n",
          stats.breakerTrips.get(),
          stats.breakerRejected.get(),
          stats.breakerWaits.get());
    }
  }

  static Iterator<String> lines(InputSource input) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return input.hasNext();
      }

      @Override
      public String next() {
        return String.join("\t", input.next());
      }
    };
  }
}
