package dev.weft.cli;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.QueueLimits;
import dev.weft.jobs.Worker;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code weft run --db} and {@code weft worker}: the queues of a run, filling them, and the workers
 * that drain them.
 *
 * <p>A run with id {@code R} (a hash of the command, its input and a generation number) uses:
 *
 * <ul>
 *   <li>{@code weft-run-R}: its jobs ({@link CommandJob}), each keyed {@code R-<job number>} so a
 *       resumed run enqueues nothing twice; drained by the run process and every {@code weft
 *       worker};
 *   <li>{@code weft-out-R}: the report of every try, read only by the run process ({@link
 *       RunFollower}), which prints the outputs and writes the records of all the run's jobs;
 *   <li>{@code weft-halt-R}: one job once the run halts ({@link HaltWatch});
 *   <li>{@code weft-runs}: one job per started run, whose enqueue wakes waiting workers at once.
 * </ul>
 *
 * <p>A fresh run takes the first generation whose queue is empty, so running the same command again
 * runs every job again, as locally; {@code --resume} takes the latest generation that has jobs.
 *
 * <p>Not instantiable; the methods may be called from any thread.
 */
final class DistributedRun {

  /** Jobs per enqueue transaction. */
  private static final int BATCH = 500;

  /** The queue whose enqueues announce new runs to waiting workers. */
  static final String RUNS = "weft-runs";

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private DistributedRun() {}

  /** {@return the queue of the run {@code runId}} */
  static String queueName(String runId) {
    return "weft-run-" + runId;
  }

  /** {@return the report queue of the run {@code runId}} */
  static String reportQueue(String runId) {
    return "weft-out-" + runId;
  }

  /** {@return whether {@code queue} is one of weft's own (reports, halts, announcements)} */
  static boolean internal(String queue) {
    return queue.startsWith("weft-out-") || queue.startsWith("weft-halt-") || queue.equals(RUNS);
  }

  /**
   * {@return the run id for {@code identity}}: for a fresh run the first generation whose queue
   * holds no job; for a resumed one the last that holds some (the first if none does)
   */
  static String runId(JobQueue jobs, String identity, boolean resume) {
    Set<String> queues = jobs.counts().keySet();
    String last = RunCommand.key(identity);
    for (int g = 0; ; g++) {
      String id = RunCommand.key(g == 0 ? identity : identity + "\n#" + g);
      if (!queues.contains(queueName(id))) {
        return resume ? last : id;
      }
      last = id;
    }
  }

  /** Announces a run so that waiting {@code weft worker}s join it at once. */
  static void announce(JobQueue jobs, String runId, TimeSource time) {
    jobs.enqueue(
        NewJob.of(RUNS, "weft-run-started", Map.of("queue", queueName(runId)))
            .withUniqueKey(runId + "-" + time.wallTime().toEpochMilli()));
  }

  /**
   * Enqueues every job of {@code input} (in batches, each one transaction).
   *
   * @return how many jobs the run has, and how many were new
   */
  static long[] enqueue(
      JobQueue jobs,
      String runId,
      RunSettings settings,
      List<String> command,
      String backoffSpec,
      Iterator<List<String>> input) {
    String queue = queueName(runId);
    long seq = 0;
    long added = 0;
    List<NewJob> batch = new ArrayList<>(BATCH);
    while (input.hasNext()) {
      batch.add(CommandJob.of(queue, runId, settings, command, backoffSpec, ++seq, input.next()));
      if (batch.size() == BATCH || !input.hasNext()) {
        for (Enqueued e : jobs.enqueue(batch)) {
          added += e.duplicate() ? 0 : 1;
        }
        batch.clear();
      }
    }
    return new long[] {seq, added};
  }

  /**
   * Enqueues the jobs of {@code --jobs FILE}, each after all it needs and with them as its parents,
   * numbered in that order.
   *
   * @return the graph by job number, and in {@code added[0]} how many jobs were new
   */
  static RunFollower.Graph enqueue(
      JobQueue jobs,
      String runId,
      RunSettings settings,
      String backoffSpec,
      DependencyRun dag,
      long[] added) {
    String queue = queueName(runId);
    List<DependencyRun.Job> order = dag.topological();
    Map<String, Long> seqOf = new HashMap<>();
    Map<String, Long> idOf = new HashMap<>();
    List<String> ids = new ArrayList<>();
    List<List<Long>> dependants = new ArrayList<>();
    List<DependencyRun.Job> batch = new ArrayList<>();
    Set<String> inBatch = new HashSet<>();
    for (DependencyRun.Job j : order) {
      seqOf.put(j.id(), (long) ids.size() + 1);
      ids.add(j.id());
      dependants.add(new ArrayList<>());
      for (String n : j.needs()) {
        dependants.get((int) (long) seqOf.getOrDefault(n, 0L) - 1).add((long) ids.size());
      }
      if (j.needs().stream().anyMatch(inBatch::contains) || batch.size() == BATCH) {
        added[0] += flush(jobs, queue, runId, settings, backoffSpec, batch, seqOf, idOf);
        inBatch.clear();
      }
      batch.add(j);
      inBatch.add(j.id());
    }
    added[0] += flush(jobs, queue, runId, settings, backoffSpec, batch, seqOf, idOf);
    return new RunFollower.Graph(List.copyOf(ids), dependants);
  }

  private static long flush(
      JobQueue jobs,
      String queue,
      String runId,
      RunSettings settings,
      String backoffSpec,
      List<DependencyRun.Job> batch,
      Map<String, Long> seqOf,
      Map<String, Long> idOf) {
    if (batch.isEmpty()) {
      return 0;
    }
    List<NewJob> news = new ArrayList<>(batch.size());
    for (DependencyRun.Job j : batch) {
      long seq = seqOf.getOrDefault(j.id(), 0L);
      news.add(
          CommandJob.of(queue, runId, settings, List.of(), backoffSpec, seq, List.of(j.cmd()))
              .withParents(j.needs().stream().map(idOf::get).toList()));
    }
    List<Enqueued> done = jobs.enqueue(news);
    long added = 0;
    for (int i = 0; i < batch.size(); i++) {
      idOf.put(batch.get(i).id(), done.get(i).id());
      added += done.get(i).duplicate() ? 0 : 1;
    }
    batch.clear();
    return added;
  }

  /**
   * Sets the run's start rate ({@code --rate}, {@code --delay}) as the queue's limit in the
   * database, which every worker on every machine respects; no limit when {@code interval} is zero.
   */
  static void rate(JobQueue jobs, String runId, Duration interval) {
    if (interval.isZero()) {
      jobs.clearLimits(queueName(runId));
    } else {
      jobs.limits(queueName(runId), QueueLimits.rate(1e9 / interval.toNanos(), 1));
    }
  }

  /** {@return the job numbers of the run's jobs that already reached a final state} */
  static List<Long> finished(JobQueue jobs, String runId) {
    List<Long> seqs = new ArrayList<>();
    for (JobState s : List.of(JobState.SUCCEEDED, JobState.DEAD, JobState.CANCELLED)) {
      for (Job j : jobs.jobs(queueName(runId), s, Integer.MAX_VALUE)) {
        seqs.add(seqOf(j));
      }
    }
    return seqs;
  }

  private static long seqOf(Job j) {
    try {
      return JSON.readTree(j.payload()).get("job").asLong();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("job " + j.id() + " has no job number: " + j.payload(), e);
    }
  }

  /** {@return a started worker on {@code queue} running {@link CommandJob} with {@code slots}} */
  static Worker commandWorker(
      JobQueue jobs, String queue, Slots slots, int concurrency, HaltWatch halt, TimeSource time) {
    return jobs.worker(queue)
        .handler(CommandJob.KIND, new CommandJob(jobs, slots, halt, time))
        .concurrency(concurrency)
        .shutdownGrace(Duration.ZERO) // stopping: running jobs go back to the queue at once
        .start();
  }

  /** {@return the queues of {@code weft run --db} that still hold unfinished jobs} */
  static List<String> unfinishedRunQueues(JobQueue jobs) {
    List<String> queues = new ArrayList<>();
    jobs.counts()
        .forEach((queue, byState) -> {
          long unfinished =
              byState.entrySet().stream()
                  .filter(e -> !e.getKey().isFinal())
                  .mapToLong(e -> e.getValue())
                  .sum();
          if (queue.startsWith("weft-run-") && unfinished > 0) {
            queues.add(queue);
          }
        });
    return queues;
  }
}
