package dev.weft.cli;

import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobHandler;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.NewJob;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * One job of {@code weft run} in the shared queue: its payload (job number, rendered command, argv,
 * arguments, per-try timeout, grace, tries and backoff, so that any worker runs it exactly as the
 * run asked), and the {@link JobHandler} that runs it with the {@link ProcessRunner}. A failed try
 * with tries left is retried after the run's backoff; the last failed try makes the job dead; its
 * output is printed once, when the job has finished for good.
 *
 * <p>Thread-safe: the handler keeps no state between jobs.
 */
final class CommandJob implements JobHandler {

  /** The job kind in the queue. */
  static final String KIND = "weft-run-command";

  private final OutputPrinter printer;

  /**
   * @param printer where the final try's output goes
   */
  CommandJob(OutputPrinter printer) {
    this.printer = printer;
  }

  /**
   * {@return job {@code seq} of a run, keyed {@code runId-seq} so enqueuing it twice adds nothing}
   */
  static NewJob of(
      String queue,
      String runId,
      RunSettings settings,
      String backoffSpec,
      long seq,
      List<String> args) {
    Map<String, @Nullable Object> p = new LinkedHashMap<>();
    p.put("job", seq);
    p.put("line", settings.template().line(args, seq, 1));
    p.put("argv", settings.template().argv(args, seq, 1, settings.shell()));
    p.put("args", args);
    Duration timeout = settings.timeout();
    p.put("timeout_ms", timeout == null ? null : timeout.toMillis());
    p.put("grace_ms", settings.grace().toMillis());
    p.put("backoff", backoffSpec);
    p.put("tag", settings.tag());
    return NewJob.of(queue, KIND, p)
        .withUniqueKey(runId + "-" + seq)
        .withMaxAttempts(settings.tries());
  }

  @Override
  public JobOutcome handle(JobContext ctx) throws IOException, InterruptedException {
    Map<?, ?> p = ctx.payload(Map.class);
    long seq = number(p.get("job"));
    List<String> argv = strings(p.get("argv"));
    List<String> args = strings(p.get("args"));
    Object t = p.get("timeout_ms");
    Duration timeout = t == null ? null : Duration.ofMillis(((Number) t).longValue());
    Duration grace = Duration.ofMillis(number(p.get("grace_ms")));
    ProcessRunner.Job job = new ProcessRunner(grace).start(argv);
    ProcessRunner.Outcome outcome;
    try {
      outcome = job.await(timeout);
    } catch (InterruptedException e) {
      job.terminate(); // the worker is stopping: the job goes back to the queue
      throw e;
    }
    boolean ok = outcome.exitValue() == 0 && outcome.signal() == 0;
    boolean last = ctx.attempt() >= ctx.job().maxAttempts();
    if (ok || last) {
      boolean tag = Boolean.TRUE.equals(p.get("tag"));
      printer.print(seq, outcome.out(), outcome.err(), tag ? String.join(" ", args) : null);
    }
    if (ok) {
      return JobOutcome.success();
    }
    String reason =
        p.get("line")
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

  private static long number(@Nullable Object n) {
    return ((Number) java.util.Objects.requireNonNull(n)).longValue();
  }

  private static List<String> strings(@Nullable Object list) {
    return ((List<?>) java.util.Objects.requireNonNull(list))
        .stream().map(String::valueOf).toList();
  }
}
