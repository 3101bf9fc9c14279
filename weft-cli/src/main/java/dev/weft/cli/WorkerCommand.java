package dev.weft.cli;

import dev.weft.jobs.JobQueue;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft worker --db URL}: joins the queues that {@code weft run --db} filled and works on
 * them until they are drained (SIGTERM stops it gracefully: running jobs go back to the queue).
 */
@Command(
    name = "worker",
    sortOptions = false,
    description = {
      "Works on the queue(s) that 'weft run --db URL' filled, on this machine, until drained.",
      "Without --queue it joins every run queue with unfinished jobs.",
      "SIGTERM stops it gracefully: its running jobs go back to the queue at once.",
      "",
      "Example:",
      "  weft worker --db postgres://weft@db:5432/weft -j 16"
    })
final class WorkerCommand implements Callable<Integer> {

  @Option(names = "--db", required = true, paramLabel = "URL", description = "postgres://...")
  String db = "";

  @Option(
      names = {"-j", "-P", "--max-procs"},
      paramLabel = "N",
      description = "Job slots: N, N%% of cores, +N, -N (default 100%%).")
  String jobs = "100%";

  @Option(
      names = "--queue",
      paramLabel = "NAME",
      description = "Only this queue (weft-run-<id>, as 'weft run --db' prints it).")
  @Nullable String queue;

  private final PrintStream out;
  private final PrintStream err;

  WorkerCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    int slots = Parallelism.parse(jobs, Runtime.getRuntime().availableProcessors());
    if (slots < 1) {
      throw new BadInput("-j must be >= 1, was '" + jobs + "'");
    }
    DatabaseUrl.parse(db).checkReachable(db, Duration.ofSeconds(5));
    try (JobQueue q = JobQueue.open(db)) {
      String only = queue;
      List<String> queues = only != null ? List.of(only) : DistributedRun.unfinishedRunQueues(q);
      if (queues.isEmpty()) {
        err.println("weft: no run queue has unfinished jobs");
        return 0;
      }
      err.println("weft: working on " + String.join(", ", queues));
      DistributedRun.work(q, queues, slots, new OutputPrinter(out, err, false), Main.signals());
      out.flush();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.ERROR;
    }
  }
}
