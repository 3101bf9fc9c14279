package dev.weft.cli;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * {@code weft run --db} and {@code weft worker}: the run's jobs go into a PostgreSQL queue named
 * for the run ({@code weft-run-<run id>}, the id a hash of the command and its input), each keyed
 * by the run id and its job number so that running the same command again enqueues nothing twice;
 * then every process that joins works on the queue with a {@link Worker} running {@link CommandJob}
 * until the queue is drained. Not instantiable; the methods may be called from any thread.
 */
final class DistributedRun {

  /** Jobs per enqueue transaction. */
  private static final int BATCH = 500;

  private DistributedRun() {}

  /** {@return the queue of the run {@code runId}} */
  static String queueName(String runId) {
    return "weft-run-" + runId;
  }

  /**
   * Enqueues every job of {@code input} (in batches, each one transaction).
   *
   * @return how many jobs were new (the others were already in the queue)
   */
  static long enqueue(
      JobQueue jobs,
      String runId,
      RunSettings settings,
      String backoffSpec,
      Iterator<List<String>> input) {
    String queue = queueName(runId);
    long seq = 0;
    long added = 0;
    List<NewJob> batch = new ArrayList<>(BATCH);
    while (input.hasNext()) {
      batch.add(CommandJob.of(queue, runId, settings, backoffSpec, ++seq, input.next()));
      if (batch.size() == BATCH || !input.hasNext()) {
        for (Enqueued e : jobs.enqueue(batch)) {
          added += e.duplicate() ? 0 : 1;
        }
        batch.clear();
      }
    }
    return added;
  }

  /**
   * Works on {@code queues} with {@code concurrency} slots each until every one is drained, then
   * stops the workers gracefully. Returns when drained or when interrupted (the workers are then
   * closed, and their running jobs go back to the queue).
   *
   * @param shutdownHook whether SIGTERM stops the workers gracefully (the real process only)
   * @throws InterruptedException if interrupted while waiting
   */
  static void work(
      JobQueue jobs,
      List<String> queues,
      int concurrency,
      OutputPrinter printer,
      boolean shutdownHook)
      throws InterruptedException {
    List<Worker> workers = new ArrayList<>();
    try {
      for (String q : queues) {
        workers.add(
            jobs.worker(q)
                .handler(CommandJob.KIND, new CommandJob(printer))
                .concurrency(concurrency)
                .shutdownHook(shutdownHook)
                .start());
      }
      for (Worker w : workers) {
        while (!w.awaitDrained(Duration.ofMinutes(1))) {
          // keep waiting: a run has no deadline
        }
      }
    } finally {
      for (Worker w : workers) {
        w.close();
      }
    }
  }

  /** {@return the queues of {@code weft run --db} that still hold unfinished jobs} */
  static List<String> unfinishedRunQueues(JobQueue jobs) {
    List<String> queues = new ArrayList<>();
    jobs.counts()
        .forEach((queue, byState) -> {
          long unfinished =
              byState.entrySet().stream()
                  .filter(e -> !finished(e.getKey()))
                  .mapToLong(e -> e.getValue())
                  .sum();
          if (queue.startsWith("weft-run-") && unfinished > 0) {
            queues.add(queue);
          }
        });
    return queues;
  }

  /** {@return GNU parallel's exit status for the run: its dead jobs, 101 above 100} */
  static int exitStatus(JobQueue jobs, String runId) {
    long dead = jobs.counts(queueName(runId)).getOrDefault(JobState.DEAD, 0L);
    return (int) Math.min(dead, 101);
  }

  private static boolean finished(JobState s) {
    return s == JobState.SUCCEEDED || s == JobState.DEAD || s == JobState.CANCELLED;
  }
}
