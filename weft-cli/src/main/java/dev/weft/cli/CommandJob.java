package dev.weft.cli;

import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobHandler;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.NewJob;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One job of {@code weft run} in the shared queue: its payload (job number, command template,
 * arguments, shell, per-try timeout, grace, tries and backoff, so that any worker runs it exactly
 * as the run asked), and the {@link JobHandler} that runs it with the {@link ProcessRunner}.
 *
 * <p>The command is rendered on the worker, with the worker's own slot number for {@code {%}}. A
 * failed try with tries left is retried after the run's backoff; the last failed try makes the job
 * dead. Nothing is printed here: every try is reported, as a job of the run's report queue, to the
 * {@code weft run} process, which prints the outputs and writes the job log, results and dead
 * letters of all its jobs, wherever they ran ({@link RunFollower}). When the run has halted (see
 * {@link HaltWatch}), a job not yet started is given up unrun, and with {@code --halt now} a
 * running one is killed.
 *
 * <p>Thread-safe: one instance serves one {@link dev.weft.jobs.Worker} (one queue); the slots and
 * the template cache are thread-safe.
 */
final class CommandJob implements JobHandler {

  /** The job kind in the queue. */
  static final String KIND = "weft-run-command";

  /** The kind of a try's report in the run's report queue. */
  static final String REPORT = "weft-run-report";

  private final JobQueue queue;
  private final Slots slots;
  private final HaltWatch halt;
  private final TimeSource time;
  private final Map<List<String>, Template> templates = new ConcurrentHashMap<>();

  /**
   * @param queue where reports are enqueued
   * @param slots the job slots of this process ({@code {%}}), shared by its workers
   * @param halt tells whether the job's run halted, and kills its jobs on {@code --halt now}
   * @param time the time source of start times and run times
   */
  CommandJob(JobQueue queue, Slots slots, HaltWatch halt, TimeSource time) {
    this.queue = queue;
    this.slots = slots;
    this.halt = halt;
    this.time = time;
  }

  /**
   * {@return job {@code seq} of a run, keyed {@code runId-seq} so enqueuing it twice adds nothing}
   *
   * @param command the template's words, parsed again by the worker
   */
  static NewJob of(
      String queue,
      String runId,
      RunSettings settings,
      List<String> command,
      String backoffSpec,
      long seq,
      List<String> args) {
    Map<String, @Nullable Object> p = new LinkedHashMap<>();
    p.put("job", seq);
    p.put("cmd", command);
    p.put("shell", settings.shell());
    p.put("args", args);
    Duration timeout = settings.timeout();
    p.put("timeout_ms", timeout == null ? null : timeout.toMillis());
    p.put("grace_ms", settings.grace().toMillis());
    p.put("backoff", backoffSpec);
    p.put("report", DistributedRun.reportQueue(runId));
    p.put("halt", settings.halt().when() != Halt.When.NEVER);
    return NewJob.of(queue, KIND, p)
        .withUniqueKey(runId + "-" + seq)
        .withMaxAttempts(settings.tries());
  }

  @Override
  public JobOutcome handle(JobContext ctx) throws IOException, InterruptedException {
    Map<?, ?> p = ctx.payload(Map.class);
    long seq = number(p.get("job"));
    String runQueue = ctx.job().queue();
    String reportQueue = String.valueOf(p.get("report"));
    boolean watched = Boolean.TRUE.equals(p.get("halt"));
    if (watched && halt.halted(runQueue)) {
      report(ctx, reportQueue, notRun(seq));
      return JobOutcome.giveUp("halted before it started");
    }
    List<String> command = strings(p.get("cmd"));
    List<String> args = strings(p.get("args"));
    Template template = templates.computeIfAbsent(command, Template::parse);
    Object t = p.get("timeout_ms");
    Duration timeout = t == null ? null : Duration.ofMillis(((Number) t).longValue());
    Duration grace = Duration.ofMillis(number(p.get("grace_ms")));
    int slot = slots.acquire();
    String line;
    ProcessRunner.Outcome outcome;
    Instant start;
    Duration took;
    try {
      line = template.line(args, seq, slot);
      List<String> argv = template.argv(args, seq, slot, String.valueOf(p.get("shell")));
      start = time.wallTime();
      long t0 = time.read();
      ProcessRunner.Job job = new ProcessRunner(grace).start(argv);
      if (watched) {
        halt.started(runQueue, job);
      }
      try {
        outcome = job.await(timeout);
      } catch (InterruptedException e) {
        job.terminate(); // the worker is stopping: the job goes back to the queue
        throw e;
      } finally {
        if (watched) {
          halt.ended(runQueue, job);
        }
      }
      took = time.since(t0);
    } finally {
      slots.release(slot);
    }
    boolean ok = outcome.exitValue() == 0 && outcome.signal() == 0;
    boolean cut = outcome.killed() && !outcome.timedOut(); // halt now: not done
    boolean last = ok || cut || ctx.attempt() >= ctx.job().maxAttempts();
    Map<String, @Nullable Object> r = new LinkedHashMap<>();
    r.put("job", seq);
    r.put("try", ctx.attempt());
    r.put("final", last);
    r.put("cut", cut);
    r.put("args", args);
    r.put("command", line);
    r.put("exit", outcome.exitValue());
    r.put("signal", outcome.signal());
    r.put("timed_out", outcome.timedOut());
    r.put("start_ms", start.toEpochMilli());
    r.put("runtime_ns", took.toNanos());
    r.put("received", outcome.out().length + outcome.err().length);
    if (last) {
      r.put("out", Base64.getEncoder().encodeToString(outcome.out()));
      r.put("err", Base64.getEncoder().encodeToString(outcome.err()));
    }
    report(ctx, reportQueue, r);
    if (ok) {
      return JobOutcome.success();
    }
    if (cut) {
      return JobOutcome.giveUp(line + ": killed by --halt now");
    }
    String reason =
        line
            + (outcome.timedOut()
                ? ": timed out after " + timeout
                : outcome.signal() != 0
                    ? ": killed by signal " + outcome.signal()
                    : ": exit " + outcome.exitValue());
    if (last) {
      return JobOutcome.giveUp(reason);
    }
    Duration wait =
        BackoffSpec.parse(String.valueOf(p.get("backoff")))
            .delay(ctx.attempt(), new SplittableRandom(ctx.job().id() * 31 + ctx.attempt()));
    return JobOutcome.retryAfter(wait, reason);
  }

  private static Map<String, @Nullable Object> notRun(long seq) {
    Map<String, @Nullable Object> r = new LinkedHashMap<>();
    r.put("job", seq);
    r.put("final", true);
    r.put("not_run", true);
    return r;
  }

  /**
   * Enqueues the report of this try, keyed by the try's lease (unique per claim, also after a retry
   * by hand resets the attempts) so a repeated enqueue adds nothing.
   */
  private void report(JobContext ctx, String reportQueue, Map<String, @Nullable Object> r) {
    queue.enqueue(
        NewJob.of(reportQueue, REPORT, r)
            .withUniqueKey(ctx.job().id() + "-" + ctx.job().leaseToken())
            .withMaxAttempts(3));
  }

  private static long number(@Nullable Object n) {
    return ((Number) Objects.requireNonNull(n)).longValue();
  }

  private static List<String> strings(@Nullable Object list) {
    return ((List<?>) Objects.requireNonNull(list)).stream().map(String::valueOf).toList();
  }
}
