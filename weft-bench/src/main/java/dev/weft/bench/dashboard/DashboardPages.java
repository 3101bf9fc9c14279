package dev.weft.bench.dashboard;

import dev.weft.cli.dashboard.DashboardServer;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.spi.Finish;
import dev.weft.jobs.spi.JobStore;
import dev.weft.time.TimeSource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The dashboard's server time per page over a queue of 100,000 jobs (about half succeeded, a tenth
 * dead, the rest available): fills the store, serves the dashboard in process on loopback, asks
 * each page and its JSON 30 times with the JDK's HTTP client and prints the median and the worst
 * server time (the {@code Server-Timing} header the dashboard sets, which leaves out the network
 * and the client). The goal is under 200 ms per page.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp weft-bench/target/benchmarks.jar
 * dev.weft.bench.dashboard.DashboardPages <sqlite|jdbc:postgresql:…> [jobs]}.
 */
public final class DashboardPages {

  private DashboardPages() {}

  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "sqlite";
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    String location = fresh(target);
    TimeSource time = TimeSource.system();
    try (JobQueue q = JobQueue.open(location)) {
      long t0 = time.read();
      fill(q, jobs);
      System.out.printf(
          "%s: %,d jobs in %.1f s: %s%n",
          target, jobs, time.since(t0).toNanos() / 1e9, q.counts("bench"));
      long someDead = q.dead("bench", 1).getFirst().id();
      try (DashboardServer server =
          DashboardServer.serve(
              q, target, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
        URI base = server.uri("127.0.0.1");
        HttpClient http = HttpClient.newHttpClient();
        List<String> paths =
            List.of(
                "/",
                "/api",
                "/jobs?queue=bench",
                "/jobs?queue=bench&state=available",
                "/jobs?queue=bench&state=succeeded&before=" + jobs / 2,
                "/jobs?queue=bench&kind=mail",
                "/jobs?queue=bench&text=user-99999",
                "/jobs?queue=bench&key=k-77777",
                "/jobs/" + someDead,
                "/dead?queue=bench",
                "/queues",
                "/workers",
                "/api/jobs?queue=bench&state=dead");
        System.out.printf("%-45s %10s %10s%n", "page", "median ms", "max ms");
        for (String p : paths) {
          double[] ms = new double[30];
          for (int i = 0; i < ms.length; i++) {
            HttpResponse<String> r =
                http.send(
                    HttpRequest.newBuilder(base.resolve(p)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              throw new IllegalStateException(p + " answered " + r.statusCode() + ": " + r.body());
            }
            String timing = r.headers().firstValue("Server-Timing").orElseThrow();
            ms[i] = Double.parseDouble(timing.substring(timing.indexOf("dur=") + 4));
          }
          Arrays.sort(ms);
          System.out.printf("%-45s %10.2f %10.2f%n", p, ms[ms.length / 2], ms[ms.length - 1]);
        }
      }
    }
  }

  /** Enqueues {@code n} jobs, then runs about half to success and a tenth to death. */
  private static void fill(JobQueue q, int n) {
    for (int i = 0; i < n; i += 1000) {
      int from = i;
      q.enqueue(
          IntStream.range(from, Math.min(n, from + 1000))
              .mapToObj(k ->
                  NewJob.of("bench", k % 7 == 0 ? "mail" : "report", Map.of("to", "user-" + k))
                      .withUniqueKey("k-" + k)
                      .withMaxAttempts(1))
              .toList());
    }
    JobStore store = q.store();
    int finish = n * 6 / 10;
    int done = 0;
    while (done < finish) {
      Instant now = q.time().wallTime();
      List<Job> claimed = store.claim("bench", "bench-worker", 1000, Duration.ofMinutes(5), now);
      List<Finish> fs = new ArrayList<>();
      for (Job j : claimed) {
        boolean dead = j.id() % 6 == 0;
        fs.add(
            new Finish(
                j.id(),
                String.valueOf(j.leaseToken()),
                dead ? JobState.DEAD : JobState.SUCCEEDED,
                now,
                1,
                List.of(),
                dead ? "bench: gave up" : null,
                null));
      }
      store.finish(fs, now);
      done += claimed.size();
    }
  }

  private static String fresh(String target) throws Exception {
    if (target.equals("sqlite")) {
      Path dir = Files.createTempDirectory("weft-dashboard-bench");
      return dir.resolve("state.db").toString();
    }
    try (Connection c = DriverManager.getConnection(target);
        Statement s = c.createStatement()) {
      s.execute(
          "drop table if exists weft_jobs, weft_job_deps, weft_workers, weft_queues,"
              + " weft_rate_keys, weft_paused, weft_schema");
    }
    return target;
  }
}
