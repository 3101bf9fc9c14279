package dev.weft.cli;

import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.WorkerInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/**
 * {@code weft status --db URL}: every queue's counts by state and its rate of successes over the
 * last minute, the dead jobs (up to ten per queue, with why), and the live workers with their last
 * heartbeat. Not instantiable.
 */
final class QueueStatus {

  private static final int DEAD_SHOWN = 10;
  private static final Duration WINDOW = Duration.ofMinutes(1);

  private QueueStatus() {}

  /** Prints the status of the queues in {@code jobs} to {@code out}. */
  static void print(JobQueue jobs, PrintStream out) {
    Map<String, Map<JobState, Long>> counts = new java.util.TreeMap<>(jobs.counts());
    counts.keySet().removeIf(DistributedRun::internal); // reports, halts: weft's own plumbing
    out.printf(
        "%-34s %9s %9s %9s %9s %9s %9s %9s %8s%n",
        "queue",
        "waiting",
        "available",
        "running",
        "retrying",
        "succeeded",
        "dead",
        "cancelled",
        "ok/s");
    counts.forEach((queue, c) ->
        out.printf(
            "%-34s %9d %9d %9d %9d %9d %9d %9d %8.2f%n",
            queue,
            c.getOrDefault(JobState.SCHEDULED, 0L),
            c.getOrDefault(JobState.AVAILABLE, 0L),
            c.getOrDefault(JobState.RUNNING, 0L),
            c.getOrDefault(JobState.RETRYING, 0L),
            c.getOrDefault(JobState.SUCCEEDED, 0L),
            c.getOrDefault(JobState.DEAD, 0L),
            c.getOrDefault(JobState.CANCELLED, 0L),
            jobs.succeededPerSecond(queue, WINDOW)));
    for (String queue : counts.keySet()) {
      for (Job j : jobs.dead(queue, DEAD_SHOWN)) {
        out.printf("dead  %s #%d: %s%n", queue, j.id(), j.reason() == null ? "" : j.reason());
      }
    }
    for (WorkerInfo w : jobs.workers()) {
      if (DistributedRun.internal(w.queue())) {
        continue;
      }
      out.printf(
          "worker %s on %s at %s: %d slots, heartbeat %s%n",
          w.id(), w.queue(), w.host(), w.concurrency(), w.heartbeatAt());
    }
  }
}
