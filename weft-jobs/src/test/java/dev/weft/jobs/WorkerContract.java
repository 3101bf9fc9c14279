package dev.weft.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.observe.Listener;
import dev.weft.policy.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a {@link Worker} runs jobs, on each store; real threads and a real database. */
abstract class WorkerContract {

  static final Duration PATIENCE = Duration.ofMinutes(2);

  JobQueue jobs;
  final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

  abstract JobQueue openQueue();

  /** {@return another queue on the same database, as another process would open} */
  abstract JobQueue openSameDatabase();

  @BeforeEach
  void open() {
    jobs = openQueue();
  }

  @AfterEach
  void close() {
    jobs.close();
    assertThat(failures).isEmpty();
  }

  Worker.Builder worker() {
    return jobs.worker("q")
        .pollInterval(Duration.ofMillis(200))
        .backoff(Backoff.fixed(Duration.ZERO))
        .shutdownGrace(Duration.ofSeconds(5));
  }

  static List<NewJob> many(int n, String kind) {
    return IntStream.range(0, n).mapToObj(i -> NewJob.of("q", kind, Map.of("i", i))).toList();
  }

  record Item(int i) {}

  @Test
  void subscribeWakesAfterAnEnqueueIntoItsQueueUntilClosed() throws Exception {
    java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);
    AutoCloseable sub = jobs.subscribe("watched", woken::countDown);
    jobs.enqueue(NewJob.of("watched", "k", Map.of()));
    assertThat(woken.await(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    sub.close();
  }

  @Test
  void aRunningWorkerObeysAPauseAndALimitRaisedWhileItRuns() throws Exception {
    jobs.limits("q", QueueLimits.maxRunning(1));
    jobs.enqueue(many(3, "block"));
    java.util.concurrent.Semaphore started = new java.util.concurrent.Semaphore(0);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger running =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most =
        new java.util.concurrent.atomic.AtomicInteger();
    try (Worker w =
        worker()
            .concurrency(4)
            .handler(
                "block",
                ctx -> {
                  most.accumulateAndGet(running.incrementAndGet(), Math::max);
                  started.release();
                  release.await();
                  running.decrementAndGet();
                  return JobOutcome.success();
                })
            .start()) {
      assertThat(started.tryAcquire(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
          .isTrue();
      assertThat(jobs.counts("q").get(JobState.RUNNING)).as("under maxRunning 1").isEqualTo(1);
      jobs.pause("q");
      jobs.limits("q", QueueLimits.maxRunning(3));
      // paused: the raised limit admits nothing until resume (a direct claim takes nothing either)
      assertThat(
              jobs.store().claim("q", "probe", 5, Duration.ofSeconds(30), jobs.time().wallTime()))
          .isEmpty();
      jobs.resume("q");
      assertThat(started.tryAcquire(2, PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
          .as("the two other jobs start once the limit is raised and the queue resumed")
          .isTrue();
      assertThat(most.get()).isEqualTo(3);
      release.countDown();
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(jobs.counts("q").get(JobState.SUCCEEDED)).isEqualTo(3);
  }

  @Test
  void runsEveryJobExactlyOnceWhenNothingFails() throws Exception {
    jobs.enqueue(many(300, "work"));
    Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
    Map<Long, JobContext.Claim> claims = new ConcurrentHashMap<>();
    try (Worker w =
        worker()
            .concurrency(8)
            .handler(
                "work",
                ctx -> {
                  assertThat(ctx.payload(Item.class).i()).isBetween(0, 299);
                  runs.computeIfAbsent(ctx.job().id(), id -> new AtomicInteger()).incrementAndGet();
                  claims.put(ctx.job().id(), ctx.claim());
                  return JobOutcome.success();
                })
            .start()) {
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(runs).hasSize(300);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    // jobs claimed together share one claim, which counts them and names one of them first; no
    // claim takes more than the slots
    Map<JobContext.Claim, Long> together =
        claims.values().stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    c -> c,
                    java.util.IdentityHashMap::new,
                    java.util.stream.Collectors.counting()));
    assertThat(together)
        .allSatisfy((c, n) -> {
          assertThat(c.jobs()).isEqualTo(n.intValue()).isBetween(1, 8);
          assertThat(c.answered()).isAfterOrEqualTo(c.asked());
          assertThat(claims.get(c.firstJob())).isSameAs(c);
        });
    assertThat(jobs.counts("q")).containsEntry(JobState.SUCCEEDED, 300L);
    assertThat(jobs.workers()).isEmpty();
  }

  @Test
  void aFailingJobIsRetriedThenDeadWithEveryAttemptsError() throws Exception {
    long id = jobs.enqueue(NewJob.of("q", "flaky", null).withMaxAttempts(3)).id();
    List<Integer> attempts = Collections.synchronizedList(new ArrayList<>());
    Set<String> keys = ConcurrentHashMap.newKeySet();
    try (Worker w =
        worker()
            .handler(
                "flaky",
                ctx -> {
                  attempts.add(ctx.attempt());
                  keys.add(ctx.idempotencyKey());
                  throw new IOException("boom " + ctx.attempt());
                })
            .start()) {
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(attempts).containsExactly(1, 2, 3);
    assertThat(keys).hasSize(1);
    Job dead = jobs.job(id).orElseThrow();
    assertThat(dead.state()).isEqualTo(JobState.DEAD);
    assertThat(dead.reason()).isEqualTo("attempt 3 of 3 failed: java.io.IOException: boom 3");
    assertThat(dead.errors()).extracting(JobError::attempt).containsExactly(1, 2, 3);
    assertThat(dead.errors())
        .extracting(JobError::message)
        .containsExactly("boom 1", "boom 2", "boom 3");
    assertThat(dead.errors())
        .allSatisfy(e -> {
          assertThat(e.type()).isEqualTo("java.io.IOException");
          assertThat(e.trace()).contains("WorkerContract");
          assertThat(e.took())
              .as("the attempt's run time")
              .isNotNull()
              .isGreaterThanOrEqualTo(Duration.ZERO);
        });
    assertThat(jobs.dead("q", 10)).extracting(Job::id).containsExactly(id);
  }

  @Test
  void unknownKindsAndUnreadablePayloadsGoDeadAtOnceWithoutBlockingTheQueue() throws Exception {
    long unknown = jobs.enqueue(NewJob.of("q", "nobody-handles-this", null)).id();
    long unreadable = jobs.enqueue(NewJob.ofJson("q", "work", "\"not an item\"")).id();
    jobs.enqueue(many(20, "work"));
    AtomicInteger ok = new AtomicInteger();
    try (Worker w =
        worker()
            .concurrency(2)
            .handler(
                "work",
                ctx -> {
                  ctx.payload(Item.class);
                  ok.incrementAndGet();
                  return JobOutcome.success();
                })
            .start()) {
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(ok.get()).isEqualTo(20);
    Job u = jobs.job(unknown).orElseThrow();
    assertThat(u.state()).isEqualTo(JobState.DEAD);
    assertThat(u.attempt()).isEqualTo(1);
    assertThat(u.reason())
        .startsWith("UnknownKind: worker ")
        .contains(
            "no handler for kind 'nobody-handles-this' of job " + unknown + "; it knows [work]");
    Job p = jobs.job(unreadable).orElseThrow();
    assertThat(p.state()).isEqualTo(JobState.DEAD);
    assertThat(p.reason())
        .contains(
            "payload of job "
                + unreadable
                + " (kind 'work') cannot be read as "
                + Item.class.getName());
  }

  @Test
  void typedOutcomesSnoozeRetryAndGiveUp() throws Exception {
    long snoozed = jobs.enqueue(NewJob.of("q", "snooze", null)).id();
    long retried = jobs.enqueue(NewJob.of("q", "retry", null)).id();
    long gaveUp = jobs.enqueue(NewJob.of("q", "give-up", null)).id();
    AtomicInteger snoozes = new AtomicInteger();
    try (Worker w =
        worker()
            .handler(
                "snooze",
                ctx ->
                    snoozes.getAndIncrement() < 2
                        ? JobOutcome.snooze(Duration.ZERO)
                        : JobOutcome.success())
            .handler(
                "retry",
                ctx ->
                    ctx.attempt() == 1
                        ? JobOutcome.retryAfter(Duration.ZERO, "not yet")
                        : JobOutcome.success())
            .handler("give-up", ctx -> JobOutcome.giveUp("invalid order"))
            .start()) {
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    Job s = jobs.job(snoozed).orElseThrow();
    assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(s.attempt()).isEqualTo(1);
    Job r = jobs.job(retried).orElseThrow();
    assertThat(r.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(r.attempt()).isEqualTo(2);
    assertThat(r.errors())
        .extracting(JobError::type, JobError::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Retry", "not yet"));
    Job g = jobs.job(gaveUp).orElseThrow();
    assertThat(g.state()).isEqualTo(JobState.DEAD);
    assertThat(g.reason()).isEqualTo("GiveUp: invalid order");
  }

  @Test
  void progressAHandlerReportsIsStored() throws Exception {
    long id = jobs.enqueue(NewJob.of("q", "p", null)).id();
    try (Worker w =
        worker()
            .handler(
                "p",
                ctx -> {
                  ctx.progress(Map.of("done", 3));
                  return JobOutcome.success();
                })
            .start()) {
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(jobs.job(id).orElseThrow().progress()).isEqualTo("{\"done\":3}");
  }

  @Test
  void closingInterruptsJobsThatOutliveTheGraceAndReleasesThemForOthers() throws Exception {
    long id = jobs.enqueue(NewJob.of("q", "forever", null)).id();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    Worker w =
        worker()
            .shutdownGrace(Duration.ZERO)
            .handler(
                "forever",
                ctx -> {
                  started.countDown();
                  try {
                    new CountDownLatch(1).await(); // a job that would run for ever
                  } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                  }
                  return JobOutcome.success();
                })
            .start();
    started.await();
    w.close();
    interrupted.await();
    Job released = jobs.job(id).orElseThrow();
    assertThat(released.state()).isEqualTo(JobState.AVAILABLE);
    assertThat(released.attempt()).isZero();
    assertThat(released.leaseToken()).isNull();
    try (Worker other = worker().handler("forever", ctx -> JobOutcome.success()).start()) {
      assertThat(other.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(jobs.job(id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
  }

  /*
   * The other worker polls once an hour, so only the closing worker's wake-up can bring it the
   * released job within the hang guard's patience.
   */
  @Test
  void closingWakesTheQueuesOtherWorkersForTheJobsItReleased() throws Exception {
    long id = jobs.enqueue(NewJob.of("q", "forever", null)).id();
    CountDownLatch started = new CountDownLatch(1);
    Worker closing =
        worker()
            .concurrency(1)
            .shutdownGrace(Duration.ZERO)
            .handler(
                "forever",
                ctx -> {
                  started.countDown();
                  new CountDownLatch(1).await(); // a job that would run for ever
                  return JobOutcome.success();
                })
            .start();
    started.await();
    CountDownLatch idle = new CountDownLatch(1);
    CountDownLatch ran = new CountDownLatch(1);
    try (Worker other =
        worker()
            .pollInterval(Duration.ofHours(1))
            .handler(
                "marker",
                ctx -> {
                  idle.countDown(); // it has polled, and will wait for a wake-up or an hour
                  return JobOutcome.success();
                })
            .handler(
                "forever",
                ctx -> {
                  ran.countDown();
                  return JobOutcome.success();
                })
            .start()) {
      jobs.enqueue(NewJob.of("q", "marker", null));
      assertThat(idle.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      closing.close();
      assertThat(ran.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .as("the released job reached the other worker without a poll")
          .isTrue();
    }
    assertThat(jobs.job(id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
  }

  /*
   * close(grace) overrides the builder's grace: the handler returns only once the closing thread
   * waits in the grace period (parked with a timeout), which it never does with the builder's zero
   * grace; there the handler would be interrupted and its job released.
   */
  @Test
  void closingWithAGraceLetsARunningJobFinishWhateverTheBuildersGrace() throws Exception {
    long id = jobs.enqueue(NewJob.of("q", "finishing", null)).id();
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Worker> worker = new AtomicReference<>();
    Thread closer = Thread.ofPlatform().unstarted(() -> worker.get().close(PATIENCE));
    worker.set(
        worker()
            .shutdownGrace(Duration.ZERO)
            .handler(
                "finishing",
                ctx -> {
                  started.countDown();
                  while (closer.getState() != Thread.State.TIMED_WAITING) {
                    if (Thread.interrupted()) {
                      throw new InterruptedException("released instead of awaited");
                    }
                    Thread.onSpinWait();
                  }
                  return JobOutcome.success();
                })
            .start());
    started.await();
    closer.start();
    closer.join();
    assertThat(jobs.job(id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void twoWorkersRacingOnOneQueueNeverRunAJobTwice() throws Exception {
    jobs.enqueue(many(200, "work"));
    Set<Long> runningNow = ConcurrentHashMap.newKeySet();
    Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
    JobHandler h =
        ctx -> {
          if (!runningNow.add(ctx.job().id())) {
            failures.add(new AssertionError("job " + ctx.job().id() + " ran twice at once"));
          }
          runs.computeIfAbsent(ctx.job().id(), k -> new AtomicInteger()).incrementAndGet();
          Thread.yield();
          runningNow.remove(ctx.job().id());
          return JobOutcome.success();
        };
    try (JobQueue second = openSameDatabase();
        Worker a = worker().id("a").concurrency(4).handler("work", h).start();
        Worker b =
            second
                .worker("q")
                .id("b")
                .concurrency(4)
                .pollInterval(Duration.ofMillis(200))
                .handler("work", h)
                .start()) {
      assertThat(a.awaitDrained(PATIENCE)).isTrue();
      assertThat(b.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(runs).hasSize(200);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
  }

  @Test
  void eventsReportClaimsAndOutcomes() throws Exception {
    List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
    jobs.enqueue(many(3, "work"));
    Listener l = e -> events.add((JobEvent) e);
    try (Worker w = worker().listener(l).handler("work", ctx -> JobOutcome.success()).start()) {
      assertThat(w.awaitDrained(PATIENCE)).isTrue();
    }
    assertThat(
            events.stream()
                .filter(e ->
                    e instanceof JobEvent.Finished f
                        && f.applied()
                        && f.state() == JobState.SUCCEEDED))
        .hasSize(3);
    assertThat(
            events.stream()
                .filter(e -> e instanceof JobEvent.Claimed)
                .mapToInt(e -> ((JobEvent.Claimed) e).count())
                .sum())
        .isEqualTo(3);
  }

  @Test
  void aClosedWorkerAndQueueLeaveNoThreadBehind() throws Throwable {
    dev.weft.test.Leaks.assertNoLeaks(() -> {
      try (JobQueue q = openSameDatabase()) {
        q.enqueue(many(20, "work"));
        try (Worker w =
            q.worker("q")
                .pollInterval(Duration.ofMillis(200))
                .handler("work", ctx -> JobOutcome.success())
                .start()) {
          assertThat(w.awaitDrained(PATIENCE)).isTrue();
        }
      }
    });
  }

  @Test
  void theBuilderRejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> worker().concurrency(0)).hasMessage("concurrency must be >= 1, was 0");
    assertThatThrownBy(() -> worker().lease(Duration.ZERO))
        .hasMessage("lease must be > 0, was PT0S");
    assertThatThrownBy(() -> worker().start()).hasMessage("a worker needs at least one handler");
    assertThatThrownBy(() ->
            worker()
                .lease(Duration.ofSeconds(1))
                .heartbeat(Duration.ofSeconds(2))
                .handler("k", ctx -> JobOutcome.success())
                .start())
        .hasMessage("heartbeat must be shorter than lease (PT1S), was PT2S");
    assertThatThrownBy(() -> NewJob.of("q", "k", null).withMaxAttempts(0))
        .hasMessage("maxAttempts must be >= 1, was 0");
  }
}
