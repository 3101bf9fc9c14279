package dev.weft.cli;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.Worker;
import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft worker --db URL}: joins the runs that {@code weft run --db} started and works on
 * their queues, on this machine, with its own {@code -j}. Without {@code --queue} it keeps waiting
 * for future runs (a new run wakes it at once through the database's notifications; it also looks
 * every {@code --poll}); {@code --exit-when-idle} makes it exit once no run has unfinished jobs.
 * Ctrl-C or SIGTERM stops it gracefully: its running jobs go back to the queue at once.
 *
 * <p>Not thread-safe: picocli calls it once; the shutdown hook only sets a flag and waits.
 */
@Command(
    name = "worker",
    sortOptions = false,
    description = {
      "Works on the jobs of 'weft run --db URL' runs, on this machine, with its own -j.",
      "Without --queue it joins every run with unfinished jobs and keeps waiting for new runs",
      "(they wake it at once); --exit-when-idle exits instead once no run has unfinished jobs.",
      "With --queue it works on that run only, and exits when it is drained.",
      "Outputs, the job log, results and dead letters go to the 'weft run' process of the run;",
      "{%%} is this worker's slot number. Ctrl-C or SIGTERM stops it gracefully: its running",
      "jobs go back to the queue at once, for other workers.",
      "",
      "Examples:",
      "  weft worker --db postgres://weft@db:5432/weft -j 16",
      "  weft worker --db postgres://weft@db:5432/weft --exit-when-idle"
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
      description =
          "Only this run (weft-run-<id>, as 'weft run --db' prints it); exit when drained.")
  @Nullable String queue;

  @Option(
      names = "--exit-when-idle",
      description = "Exit once no run has unfinished jobs, instead of waiting for new runs.")
  boolean exitWhenIdle;

  @Option(
      names = "--poll",
      paramLabel = "DURATION",
      description = "How often to look for runs and drained queues (default 2s).")
  String poll = "2s";

  private final PrintStream out;
  private final PrintStream err;
  private final TimeSource time = TimeSource.system();
  private volatile boolean stop;
  private volatile boolean woke;

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
    Duration every = Durations.parse("--poll", poll);
    if (every.isZero()) {
      throw new BadInput("--poll must be > 0, was '" + poll + "'");
    }
    DatabaseUrl.parse(db).checkReachable(db, Duration.ofSeconds(5));
    Thread me = Thread.currentThread();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = Main.signals() ? stopOnSignal(me, done) : null;
    Map<String, Worker> workers = new LinkedHashMap<>();
    try (JobQueue q = JobQueue.open(db);
        HaltWatch halt = new HaltWatch(q)) {
      AutoCloseable woken = q.subscribe(DistributedRun.RUNS, () -> wake(me));
      Slots shared = new Slots(slots);
      boolean waitingSaid = false;
      while (!stop) {
        woke = false; // cleared before looking, so a run announced meanwhile wakes the park below
        String only = queue;
        List<String> live = only != null ? onlyIfUnfinished(q, only) : unfinished(q);
        for (String name : live) {
          if (!workers.containsKey(name)) {
            workers.put(name, DistributedRun.commandWorker(q, name, shared, slots, halt, time));
            err.println("weft: working on " + name);
            waitingSaid = false;
          }
        }
        for (String name : new ArrayList<>(workers.keySet())) {
          if (!live.contains(name)) {
            Worker w = workers.remove(name);
            if (w != null) {
              w.close();
            }
            err.println("weft: " + name + " is drained");
          }
        }
        if (workers.isEmpty()) {
          if (only != null || exitWhenIdle) {
            if (!waitingSaid && only == null) {
              err.println("weft: no run has unfinished jobs");
            }
            break;
          }
          if (!waitingSaid) {
            err.println("weft: waiting for runs (Ctrl-C to stop)");
            waitingSaid = true;
          }
        }
        long until = time.readAfter(every);
        while (!stop && !woke && time.read() - until < 0) {
          time.parkUntil(until);
        }
      }
      if (stop && !workers.isEmpty()) {
        err.println("weft: stopping; running jobs go back to the queue");
      }
      for (Worker w : workers.values()) {
        w.close();
      }
      woken.close();
      out.flush();
      return 0;
    } catch (Exception e) {
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e);
    } finally {
      done.countDown();
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running and waits for `done`
        }
      }
    }
  }

  private void wake(Thread main) {
    woke = true;
    LockSupport.unpark(main);
  }

  private static List<String> unfinished(JobQueue q) {
    return DistributedRun.unfinishedRunQueues(q);
  }

  private static List<String> onlyIfUnfinished(JobQueue q, String name) {
    return q.counts(name).entrySet().stream()
            .anyMatch(e -> !e.getKey().isFinal() && e.getValue() > 0)
        ? List.of(name)
        : List.of();
  }

  private Thread stopOnSignal(Thread main, CountDownLatch done) {
    Thread hook =
        WeftThreads.platform("weft-worker-stop", false)
            .newThread(() -> {
              stop = true;
              LockSupport.unpark(main);
              try {
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }
}
