package dev.weft.cli;

import dev.weft.observe.Progress;
import dev.weft.observe.ProgressBar;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft demo}: the README's main job. Starts a flaky HTTP server on loopback (random latency,
 * 500s, 429s with Retry-After) and a host that is down, fetches a few thousand URLs from them with
 * every control on, shows the progress bar and ends with a summary table.
 */
@Command(
    name = "demo",
    description = {
      "Fetches a few thousand URLs from a flaky server on loopback (random latency, 500s,",
      "429s with Retry-After) and from a host that is down, with every control on: limits per",
      "host, rate limits, retries with backoff, circuit breakers, timeouts, state, results."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--requests", defaultValue = "3000", description = "How many URLs (3000).")
  int requests;

  @Option(
      names = {"-j", "--jobs"},
      defaultValue = "64",
      description = "Requests in flight at once (64).")
  int concurrency;

  @Option(names = "--dir", description = "Where state and results go (.weft/demo).")
  Path dir = Path.of(".weft", "demo");

  private final TimeSource time = TimeSource.system();
  private final PrintStream out;
  private final PrintStream err;

  DemoCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException {
    if (requests < 1 || concurrency < 1) {
      throw new BadInput(
          "--requests and --jobs must be >= 1, were " + requests + " and " + concurrency);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new BadInput("--dir '" + dir + "' cannot be created: " + JobLog.reason(e), e);
    }
    Path results = dir.resolve("results.jsonl");
    Path dead = dir.resolve("dead-letter.txt");
    Path stateFile = dir.resolve("state.db");
    FetchSettings settings =
        new FetchSettings(
            concurrency,
            Math.max(1, concurrency * 3 / 4),
            new Rate(5000),
            new Rate(4000),
            4,
            BackoffSpec.parse("exp:20ms..500ms"),
            Duration.ofSeconds(5),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            20,
            10,
            Duration.ofSeconds(30),
            false,
            FetchSettings.Limits.NONE);
    try (FlakyServer server = new FlakyServer(time, 8, 4, Duration.ofMillis(40));
        LineFile res = new LineFile("--output", results, false);
        LineFile deadFile = new LineFile("--dead-letter", dead, false)) {
      String good = server.base() + "/item/";
      String down = "http://127.0.0.1:" + server.deadPort() + "/item/";
      out.printf(
          Locale.ROOT,
          "weft demo: %d URLs, %d in flight (%d per host), 5000/s overall, 4 tries with backoff%n"
              + "  flaky server %s (random latency, 8%% 500s, 4%% 429s with Retry-After)%n"
              + "  down host    %s (every 20th URL; its breaker opens when half of 20 fail)%n%n",
          requests,
          concurrency,
          settings.perHost(),
          server.base(),
          down);
      out.flush();
      RunState state =
          new RunState(
              stateFile, "demo", "demo", RunState.Origin.unknown(), RunState.Mode.FRESH, time);
      Progress progress = RunCommand.progress(OptionalLong.of(requests), time);
      Fetcher fetcher =
          new Fetcher(settings, new FetchSinks(res, null, deadFile, progress, state), time);
      Iterator<String> urls =
          new Iterator<>() {
            int n;

            @Override
            public boolean hasNext() {
              return n < requests;
            }

            @Override
            public String next() {
              n++;
              return (n % 20 == 0 ? down : good) + n;
            }
          };
      FetchStats s;
      ProgressBar shown = RunCommand.showProgress(progress, err, "urls", time);
      try {
        s = fetcher.run(urls, seq -> false);
      } finally {
        shown.close();
        state.close("done");
      }
      double secs = Math.max(1e-9, s.took.toNanos() / 1e9);
      out.println();
      row("ok, first try", Long.toString(s.ok.get()));
      row("ok after retries", Long.toString(s.retried.get()));
      row("failed", Long.toString(s.failed.get()));
      row("dead-lettered", Long.toString(s.deadLettered.get()));
      row(
          "breaker trips",
          s.breakerTrips.get() + " (" + s.breakerRejected.get() + " requests refused fast)");
      row("attempts", Long.toString(s.attempts.get()));
      row("p50 latency", ms(s.latencies.quantile(0.5)));
      row("p99 latency", ms(s.latencies.quantile(0.99)));
      row("throughput", String.format(Locale.ROOT, "%.0f URLs/s (%.2f s)", requests / secs, secs));
      row("results", results.toString());
      row("dead letters", dead.toString());
      row("state", stateFile + "  (weft status --state " + stateFile + ")");
      out.flush();
    }
    return 0;
  }

  private void row(String name, String value) {
    out.printf(Locale.ROOT, "  %-18s %s%n", name, value);
  }

  private static String ms(Duration d) {
    return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }
}
