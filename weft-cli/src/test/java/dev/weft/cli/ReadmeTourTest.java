package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.channel.Channel;
import dev.weft.channel.Select;
import dev.weft.flow.Limiter;
import dev.weft.flow.Permits;
import dev.weft.flow.RateLimiter;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import dev.weft.observe.Progress;
import dev.weft.policy.Backoff;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.Fallback;
import dev.weft.policy.Policy;
import dev.weft.policy.Retry;
import dev.weft.policy.Timeout;
import dev.weft.queue.Priority;
import dev.weft.queue.TaskQueue;
import dev.weft.stream.Gather;
import dev.weft.stream.Page;
import dev.weft.stream.Pages;
import dev.weft.stream.Parallel;
import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.Settled;
import dev.weft.task.Tasks;
import dev.weft.time.Deadline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tour of the library, compiled and run so that it keeps working. Each block between
 * {@code // tour} and {@code // end} is pasted into README.md verbatim; change both together.
 */
class ReadmeTourTest {

  private static String user(int id) {
    if (id < 0) {
      throw new UncheckedIOException(new IOException("no user " + id));
    }
    return "user-" + id;
  }

  @TempDir Path dir;

  @Test
  void tour() throws Exception {
    List<Integer> ids = List.of(1, 2, 3);
    // tour: structured tasks
    List<String> users =
        Tasks.all(ids, id -> user(id)); // input order; first failure cancels the rest
    List<String> capped = Tasks.all(ids, 64, id -> user(id)); // at most 64 in flight
    List<Settled<String>> settled = Tasks.allSettled(List.of(1, -1), id -> user(id));
    String first = Tasks.any(() -> user(1), () -> user(2)); // first success wins
    String report = Tasks.withTimeout(Duration.ofSeconds(5), () -> user(7));
    try (var scope = Scope.open(Deadline.after(Duration.ofSeconds(2)))) {
      Fork<String> a = scope.fork(() -> user(1));
      Fork<String> b = scope.fork(() -> user(2));
      scope.join(); // throws the first failure after cancelling and awaiting the rest
      report = a.get() + b.get();
    }
    // end
    assertThat(users).containsExactly("user-1", "user-2", "user-3");
    assertThat(capped).isEqualTo(users);
    assertThat(settled.get(1)).isInstanceOf(Settled.Failure.class);
    assertThat(first).startsWith("user-");
    assertThat(report).isEqualTo("user-1user-2");

    // tour: flow control
    Limiter limit = Limiter.of(10); // p-limit: at most 10 at once, FIFO
    List<String> bodies = limit.map(ids, id -> user(id));
    Permits db = Permits.of(10); // a semaphore whose use() releases on every path
    String row = db.use(() -> user(42));
    RateLimiter rate = RateLimiter.perSecond(100).withBurst(20); // GCRA token bucket
    boolean admitted = rate.tryAcquire();
    // end
    assertThat(bodies).isEqualTo(users);
    assertThat(row).isEqualTo("user-42");
    assertThat(admitted).isTrue();

    // tour: resilience, composed outermost first
    Policy<String> policy =
        Policy.of(
            Fallback.to("cached"),
            Retry.<String>builder()
                .maxAttempts(5)
                .backoff(Backoff.exponential(Duration.ofMillis(1), 2.0).max(Duration.ofSeconds(1)))
                .retryOn(UncheckedIOException.class)
                .build(),
            CircuitBreaker.builder().name("users").failureRate(0.5).window(100).build(),
            Timeout.of(Duration.ofSeconds(2)));
    String answer = policy.call(() -> user(-1)); // retried 5 times, then the fallback
    // end
    assertThat(answer).isEqualTo("cached");

    // tour: queues, streams, pagination, CPU work
    try (TaskQueue q = TaskQueue.builder().concurrency(8).capacity(10_000).build()) {
      for (int id : ids) {
        q.submit(Priority.NORMAL, () -> user(id)); // blocks while the queue is full
      }
      q.awaitIdle();
    }
    List<String> fetched = ids.stream().gather(Gather.mapConcurrent(64, id -> user(id))).toList();
    List<String> pages =
        Pages.<String, Integer>byCursor(
                c -> c == null ? Page.of(List.of("a"), 1) : Page.last(List.of("b")))
            .items()
            .toList();
    List<Integer> squares = Parallel.map(ids, i -> i * i); // bounded platform pool, one per core
    // end
    assertThat(fetched).isEqualTo(users);
    assertThat(pages).containsExactly("a", "b");
    assertThat(squares).containsExactly(1, 4, 9);

    // tour: channels and select
    Channel<Integer> work = Channel.buffered(16); // send waits while 16 are queued
    List<String> done = new CopyOnWriteArrayList<>();
    try (var scope = Scope.open()) {
      for (int w = 0; w < 4; w++) {
        scope.fork(() -> {
          for (int job : work) { // a worker pool: each job goes to one worker
            done.add(user(job));
          }
          return null;
        });
      }
      for (int id : ids) {
        work.send(id);
      }
      work.close(); // the workers drain what is queued, then their loops end
      scope.join();
    }
    Channel<String> replies = Channel.unlimited();
    replies.send("pong");
    String reply =
        Select.select( // fair among the ready clauses
            Select.onReceive(replies, r -> "got " + r),
            Select.onTimeout(Duration.ofSeconds(1), () -> "timed out"));
    // end
    assertThat(done).containsExactlyInAnyOrderElementsOf(users);
    assertThat(reply).isEqualTo("got pong");

    // tour: progress
    Progress progress = Progress.of(ids.size());
    Tasks.all(ids, id -> progress.track(() -> user(id)).call());
    // end
    assertThat(progress.snapshot().done()).isEqualTo(3);

    // tour: durable jobs (SQLite here; "postgres://user@host/db" for many machines)
    AtomicInteger sent = new AtomicInteger();
    try (JobQueue jobs = JobQueue.open(dir.resolve("state.db").toString())) {
      jobs.enqueue(NewJob.of("mail", "welcome", Map.of("user", 42)).withUniqueKey("welcome-42"));
      try (Worker worker =
          jobs.worker("mail")
              .handler(
                  "welcome",
                  ctx -> {
                    sent.incrementAndGet(); // at-least-once: use ctx.idempotencyKey() downstream
                    return JobOutcome.success();
                  })
              .concurrency(16)
              .start()) {
        worker.awaitDrained(Duration.ofMinutes(1));
      }
    }
    // end
    assertThat(sent).hasValue(1);

    // tour: backoff and deadlines
    Backoff backoff =
        Backoff.exponential(Duration.ofMillis(100), 2.0).max(Duration.ofSeconds(10)).fullJitter();
    Duration wait = backoff.delay(3, new SplittableRandom()); // uniform in [0, 400ms]
    Deadline deadline = Deadline.after(Duration.ofSeconds(2));
    Duration left = deadline.within(Duration.ofSeconds(5)).remaining(); // deadlines nest: <= 2s
    // end
    assertThat(wait).isBetween(Duration.ZERO, Duration.ofMillis(400));
    assertThat(left).isLessThanOrEqualTo(Duration.ofSeconds(2));
  }
}
