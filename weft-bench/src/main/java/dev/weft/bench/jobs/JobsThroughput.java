package dev.weft.bench.jobs;

import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import dev.weft.time.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

/**
 * End-to-end throughput and latency of weft's job queue: enqueue N no-op jobs in batches, drain
 * them with 1 and then 2 workers (each its own {@code JobQueue}, so its own connection pool, as a
 * separate process would have), then measure enqueue-to-start latency of jobs enqueued one by one.
 *
 * <p>Run: {@code java -cp weft-bench/target/benchmarks.jar dev.weft.bench.jobs.JobsThroughput
 * <sqlite|jdbc:postgresql:…> [jobs] [batch] [concurrency]}.
 */
public final class JobsThroughput {

  private JobsThroughput() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 256;
    TimeSource time = TimeSource.system();
    for (int workers : new int[] {1, 2}) {
      String location = fresh(target);
      try (JobQueue q = JobQueue.open(location)) {
        long t0 = time.read();
        for (int i = 0; i < jobs; i += batch) {
          q.enqueue(
              IntStream.range(0, Math.min(batch, jobs - i))
                  .mapToObj(k -> NewJob.ofJson("bench", "noop", "{}"))
                  .toList());
        }
        double enqueueSec = time.since(t0).toNanos() / 1e9;
        List<JobQueue> queues = new ArrayList<>();
        List<Worker> ws = new ArrayList<>();
        long t1 = time.read();
        for (int w = 0; w < workers; w++) {
          JobQueue wq = JobQueue.open(location);
          queues.add(wq);
          ws.add(
              wq.worker("bench")
                  .concurrency(concurrency)
                  .pollInterval(Duration.ofMillis(50))
                  .handler("noop", ctx -> JobOutcome.success())
                  .start());
        }
        if (!ws.getFirst().awaitDrained(Duration.ofMinutes(20))) {
          throw new IllegalStateException("did not drain: " + q.counts("bench"));
        }
        double drainSec = time.since(t1).toNanos() / 1e9;
        for (Worker w : ws) {
          w.close();
        }
        queues.forEach(JobQueue::close);
        Map<JobState, Long> counts = q.counts("bench");
        System.out.printf(
            "%s workers=%d jobs=%d: enqueue %.0f jobs/s (batches of %d), drain %.0f jobs/s"
                + " (concurrency %d each), succeeded=%d%n",
            kind(target),
            workers,
            jobs,
            jobs / enqueueSec,
            batch,
            jobs / drainSec,
            concurrency,
            counts.get(JobState.SUCCEEDED));
      }
    }
    latency(target, time);
  }

  private static void latency(String target, TimeSource time) throws Exception {
    String location = fresh(target);
    int n = 2000;
    long[] lat = new long[n];
    java.util.concurrent.atomic.AtomicInteger done =
        new java.util.concurrent.atomic.AtomicInteger();
    try (JobQueue q = JobQueue.open(location);
        Worker w =
            q.worker("lat")
                .concurrency(16)
                .pollInterval(Duration.ofSeconds(1))
                .handler(
                    "ping",
                    ctx -> {
                      long sent = ctx.payload(Long.class);
                      lat[done.getAndIncrement()] = time.read() - sent;
                      return JobOutcome.success();
                    })
                .start()) {
      for (int i = 0; i < n; i++) {
        q.enqueue(NewJob.of("lat", "ping", time.read()));
        LockSupport.parkNanos(2_000_000); // pacing: one job every ~2 ms
      }
      if (!w.awaitDrained(Duration.ofMinutes(5))) {
        throw new IllegalStateException("latency jobs did not drain");
      }
    }
    Arrays.sort(lat);
    System.out.printf(
        "%s enqueue-to-start latency over %d jobs: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        kind(target), n, lat[n / 2] / 1e6, lat[n * 99 / 100] / 1e6, lat[n - 1] / 1e6);
  }

  private static String kind(String target) {
    return target.startsWith("jdbc:postgresql") ? "postgresql" : "sqlite";
  }

  private static String fresh(String target) throws Exception {
    if (target.startsWith("jdbc:postgresql")) {
      try (Connection c = DriverManager.getConnection(target);
          Statement s = c.createStatement()) {
        s.execute(
            "drop table if exists weft_jobs, weft_job_deps, weft_workers, weft_queues,"
                + " weft_rate_keys, weft_paused, weft_schema");
      }
      return target;
    }
    Path dir = Files.createTempDirectory("weft-bench");
    return dir.resolve("state.db").toString();
  }
}
