package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Jobs for the dashboard's tests, made the real way: enqueued, then run by a real {@link Worker}
 * whose handler gives up while {@link #healthy} is false (so they die) and succeeds once it is
 * true. Test helper; not thread-safe.
 */
final class DashboardFixture implements AutoCloseable {

  final JobQueue jobs;
  final AtomicBoolean healthy = new AtomicBoolean(false);
  private Worker worker;

  DashboardFixture(JobQueue jobs) {
    this.jobs = jobs;
  }

  /** Enqueues {@code n} jobs of kind "flaky" into {@code queue}; {@return their ids} */
  List<Long> enqueue(String queue, int n) {
    List<NewJob> batch =
        java.util.stream.IntStream.range(0, n)
            .mapToObj(i ->
                NewJob.of(queue, "flaky", Map.of("n", i, "to", "user-" + i))
                    .withMaxAttempts(1)
                    .withUniqueKey("flaky-" + queue + "-" + i))
            .toList();
    return jobs.enqueue(batch).stream().map(Enqueued::id).toList();
  }

  /** Starts a worker on {@code queue} (closing the one before, if any). */
  Worker startWorker(String queue) {
    stopWorker();
    worker =
        jobs.worker(queue)
            .handler(
                "flaky",
                ctx ->
                    healthy.get() ? JobOutcome.success() : JobOutcome.giveUp("downstream is down"))
            .concurrency(4)
            .pollInterval(Duration.ofMillis(200))
            .start();
    return worker;
  }

  /** Runs {@code n} jobs of {@code queue} to death with a worker; {@return their ids} */
  List<Long> deadJobs(String queue, int n) throws InterruptedException {
    healthy.set(false);
    List<Long> ids = enqueue(queue, n);
    startWorker(queue);
    await(
        () -> jobs.counts(queue).get(JobState.DEAD) >= n, () -> "dead jobs: " + jobs.counts(queue));
    stopWorker();
    return ids;
  }

  void stopWorker() {
    if (worker != null) {
      worker.close();
      worker = null;
    }
  }

  /** Polls {@code condition} through weft's time source until it holds; a hang guard fails it. */
  static void await(BooleanSupplier condition, Supplier<String> state) throws InterruptedException {
    TimeSource time = TimeSource.system();
    long end = time.readAfter(Child.PATIENCE);
    while (!condition.getAsBoolean()) {
      assertThat(time.read() - end).as("hung waiting; state: %s", state.get()).isNegative();
      time.sleep(Duration.ofMillis(50));
    }
  }

  @Override
  public void close() {
    stopWorker();
    jobs.close();
  }
}
