package dev.weft.jobs.fault;

import dev.weft.jobs.JobEvent;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.Worker;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The main class of a worker JVM that fault tests start, kill and restart: it runs the "work" jobs
 * of a queue, writing {@code S id attempt millis} to its log before each handler runs and {@code D
 * id millis} after it returns (millis: the wall clock), each line flushed, so the test can tell
 * which runs a kill cut short and which were in flight at a disruption.
 *
 * <p>Store failures and rescues go to stderr, one line each, for the test to show when it fails.
 *
 * <p>Arguments: location, queue, concurrency, log file, lease in milliseconds.
 */
public final class WorkerProcess {

  private WorkerProcess() {}

  public static void main(String[] args) throws Exception {
    String location = args[0];
    String queue = args[1];
    int concurrency = Integer.parseInt(args[2]);
    Path log = Path.of(args[3]);
    Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
    try (BufferedWriter out =
            Files.newBufferedWriter(
                log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        JobQueue jobs = JobQueue.open(location)) {
      Worker w =
          jobs.worker(queue)
              .concurrency(concurrency)
              .lease(lease)
              .heartbeat(lease.dividedBy(4))
              .pollInterval(Duration.ofMillis(250))
              .shutdownGrace(Duration.ofSeconds(5))
              .shutdownHook(true)
              .listener(e -> {
                if (e instanceof JobEvent.StoreFailed || e instanceof JobEvent.Rescued) {
                  System.err.println(System.currentTimeMillis() + " " + e);
                }
              })
              .handler(
                  "work",
                  ctx -> {
                    line(
                        out,
                        "S "
                            + ctx.job().id()
                            + " "
                            + ctx.attempt()
                            + " "
                            + System.currentTimeMillis());
                    // simulated work of 1 to 15 ms (not a wait for a condition)
                    LockSupport.parkNanos(
                        ThreadLocalRandom.current().nextLong(1_000_000, 15_000_000));
                    line(out, "D " + ctx.job().id() + " " + System.currentTimeMillis());
                    return JobOutcome.success();
                  })
              .start();
      System.out.println("ready " + w.id());
      System.out.flush();
      w.join();
    }
  }

  private static void line(BufferedWriter out, String s) throws IOException {
    synchronized (out) {
      out.write(s);
      out.newLine();
      out.flush();
    }
  }
}
