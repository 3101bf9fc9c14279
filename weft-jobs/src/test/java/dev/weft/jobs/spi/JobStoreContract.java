package dev.weft.jobs.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobError;
import dev.weft.jobs.JobFilter;
import dev.weft.jobs.JobPage;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.QueueLimits;
import dev.weft.jobs.Throughput;
import dev.weft.jobs.WorkerInfo;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link JobStore} must have; each store's test extends this class. Time is
 * passed in explicitly, so nothing here waits on a real clock.
 */
public abstract class JobStoreContract {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration LEASE = Duration.ofSeconds(30);

  protected JobStore store;

  /** {@return a store on an empty database, migrated} */
  protected abstract JobStore newStore();

  /** {@return another store on the same database as the last {@link #newStore()}, not migrated} */
  protected abstract JobStore sameDatabase();

  /** {@return a plain connection to the same database} */
  protected abstract Connection connect() throws Exception;

  @BeforeEach
  void open() {
    store = newStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  static NewJob job(String kind) {
    return NewJob.ofJson("q", kind, "{\"n\":1}");
  }

  static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void migratingAgainAndFromSeveralProcessesAtOnceIsHarmless() throws Exception {
    int n = 4;
    List<JobStore> others = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      others.add(sameDatabase());
    }
    CountDownLatch gate = new CountDownLatch(1);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (JobStore s : others) {
      threads.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  gate.await();
                  s.migrate();
                } catch (Throwable t) {
                  failures.add(t);
                }
              }));
    }
    gate.countDown();
    for (Thread t : threads) {
      t.join();
    }
    others.forEach(JobStore::close);
    assertThat(failures).isEmpty();
    store.migrate();
    assertThat(store.enqueue(List.of(job("a")), T0)).hasSize(1);
  }

  @Test
  void enqueuedJobsAreClaimedHighestPriorityFirstWithTheirPayloadAndTags() {
    List<Enqueued> ids =
        store.enqueue(
            List.of(
                job("low"),
                job("high").withPriority(5).withTags(List.of("a", "b")),
                job("mid").withPriority(1)),
            T0);
    assertThat(ids).extracting(Enqueued::duplicate).containsOnly(false);
    List<Job> claimed = store.claim("q", "w1", 10, LEASE, at(1));
    assertThat(claimed).extracting(Job::kind).containsExactly("high", "mid", "low");
    Job high = claimed.getFirst();
    assertThat(high.id()).isEqualTo(ids.get(1).id());
    assertThat(high.state()).isEqualTo(JobState.RUNNING);
    assertThat(high.attempt()).isEqualTo(1);
    assertThat(high.payload()).isEqualTo("{\"n\":1}");
    assertThat(high.tags()).containsExactly("a", "b");
    assertThat(high.leaseToken()).isNotNull();
    assertThat(high.leaseExpiresAt()).isEqualTo(at(1).plus(LEASE));
    assertThat(high.workerId()).isEqualTo("w1");
    assertThat(store.claim("q", "w1", 10, LEASE, at(2))).isEmpty();
  }

  @Test
  void headersAreStoredWithTheJobAndReadBackByClaimAndLookup() {
    Map<String, String> headers =
        Map.of(
            "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "tenant", "acme \"quoted\" ünïcode");
    List<Enqueued> ids =
        store.enqueue(List.of(job("with").withHeaders(headers), job("without")), T0);
    assertThat(store.job(ids.get(0).id()).orElseThrow().headers()).isEqualTo(headers);
    assertThat(store.job(ids.get(1).id()).orElseThrow().headers()).isEmpty();
    List<Job> claimed = store.claim("q", "w1", 10, LEASE, at(1));
    assertThat(claimed)
        .extracting(Job::kind, Job::headers)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("with", headers),
            org.assertj.core.groups.Tuple.tuple("without", Map.of()));
  }

  /**
   * Undoes the schema versions above {@code version}, newest first, as a database made by an older
   * weft would be (v4's covering index of finished jobs is kept: older code reads it as before).
   */
  private static void backTo(int version, java.sql.Statement s) throws java.sql.SQLException {
    s.execute("delete from weft_schema where version > " + version);
    if (version < 4) {
      s.execute("drop table weft_paused");
      for (String index : List.of("weft_jobs_list", "weft_jobs_queue", "weft_jobs_due_age")) {
        s.execute("drop index " + index);
      }
    }
    if (version < 3) {
      s.execute("alter table weft_jobs drop column headers");
    }
    if (version < 2) {
      s.execute("drop table weft_rate_keys");
      s.execute("alter table weft_jobs drop column rate_key");
      s.execute("alter table weft_queues drop column key_per_second");
      s.execute("alter table weft_queues drop column key_burst");
    }
  }

  @Test
  void aVersionTwoDatabaseIsUpgradedToHeadersWithItsJobsKept() throws Exception {
    long old = store.enqueue(List.of(job("old")), T0).getFirst().id();
    try (Connection c = connect();
        java.sql.Statement s = c.createStatement()) {
      backTo(2, s);
    }
    try (JobStore upgraded = sameDatabase()) {
      upgraded.migrate();
      upgraded.enqueue(List.of(job("new").withHeader("h", "v")), T0);
      assertThat(upgraded.claim("q", "w", 10, LEASE, T0))
          .extracting(Job::id, Job::headers)
          .hasSize(2)
          .contains(org.assertj.core.groups.Tuple.tuple(old, Map.of()))
          .anySatisfy(t -> assertThat(t.toList().get(1)).isEqualTo(Map.of("h", "v")));
    }
  }

  @Test
  void aClaimTakesAtMostMaxAndOnlyItsQueue() {
    store.enqueue(IntStream.range(0, 5).mapToObj(i -> job("k")).toList(), T0);
    store.enqueue(List.of(NewJob.ofJson("other", "k", "{}")), T0);
    assertThat(store.claim("q", "w", 3, LEASE, T0)).hasSize(3);
    assertThat(store.claim("q", "w", 3, LEASE, T0)).hasSize(2);
    assertThat(store.claim("q", "w", 3, LEASE, T0)).isEmpty();
    assertThat(store.claim("other", "w", 3, LEASE, T0)).hasSize(1);
  }

  @Test
  void aDelayedJobIsClaimedOnlyOnceItsRunAtPassed() {
    store.enqueue(List.of(job("later").withRunAt(at(60))), T0);
    assertThat(store.counts().get("q")).containsEntry(JobState.SCHEDULED, 1L);
    assertThat(store.claim("q", "w", 1, LEASE, at(59))).isEmpty();
    assertThat(store.claim("q", "w", 1, LEASE, at(60))).hasSize(1);
  }

  @Test
  void aDuplicateUniqueKeyReturnsTheExistingJob() {
    Enqueued first = store.enqueue(List.of(job("a").withUniqueKey("k1")), T0).getFirst();
    List<Enqueued> again =
        store.enqueue(
            List.of(job("a").withUniqueKey("k1"), job("b").withUniqueKey("k2"), job("c")), at(1));
    assertThat(again.get(0)).isEqualTo(new Enqueued(first.id(), true));
    assertThat(again.get(1).duplicate()).isFalse();
    assertThat(again.get(2).duplicate()).isFalse();
    assertThat(store.counts().get("q").get(JobState.AVAILABLE)).isEqualTo(3L);
    // the same key in another queue is another job
    assertThat(
            store
                .enqueue(List.of(NewJob.ofJson("q2", "a", "{}").withUniqueKey("k1")), T0)
                .getFirst()
                .duplicate())
        .isFalse();
  }

  @Test
  void racingEnqueuesOfOneUniqueKeyMakeExactlyOneJob() throws Exception {
    for (int round = 0; round < 10; round++) {
      String key = "race-" + round;
      int threads = 6;
      CountDownLatch gate = new CountDownLatch(1);
      List<Enqueued> results = Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      List<Thread> ts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        ts.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    gate.await();
                    results.addAll(store.enqueue(List.of(job("a").withUniqueKey(key)), T0));
                  } catch (Throwable t) {
                    failures.add(t);
                  }
                }));
      }
      gate.countDown();
      for (Thread t : ts) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(results).hasSize(threads);
      assertThat(results.stream().filter(e -> !e.duplicate()).count()).isEqualTo(1);
      assertThat(results.stream().map(Enqueued::id).distinct().count()).isEqualTo(1);
    }
  }

  @Test
  void concurrentClaimersNeverGetTheSameJob() throws Exception {
    int jobs = 300;
    for (int i = 0; i < jobs; i += 100) {
      store.enqueue(IntStream.range(0, 100).mapToObj(n -> job("k")).toList(), T0);
    }
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Long> duplicates = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch gate = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      String worker = "w" + w;
      ts.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  gate.await();
                  while (true) {
                    List<Job> got = store.claim("q", worker, 7, LEASE, T0);
                    if (got.isEmpty()) {
                      return;
                    }
                    for (Job j : got) {
                      if (!seen.add(j.id())) {
                        duplicates.add(j.id());
                      }
                    }
                  }
                } catch (Throwable t) {
                  failure.set(t);
                }
              }));
    }
    gate.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    assertThat(duplicates).isEmpty();
    assertThat(seen).hasSize(jobs);
  }

  @Test
  void aWorkerWhoseLeaseWasReclaimedCannotOverwriteTheNewOwnersResult() {
    long id = store.enqueue(List.of(job("a").withMaxAttempts(3)), T0).getFirst().id();
    Job a = store.claim("q", "old", 1, LEASE, T0).getFirst();
    // old owner stalls; the lease expires and the rescuer moves the job back
    Instant late = T0.plus(LEASE).plusSeconds(1);
    List<Job> expired = store.expired(late, 10);
    assertThat(expired).extracting(Job::id).containsExactly(id);
    JobError lost = new JobError(late, 1, "LeaseExpired", "lease of old expired", "", null);
    assertThat(
            store.finish(
                List.of(
                    new Finish(
                        id, a.leaseToken(), JobState.RETRYING, late, 1, List.of(lost), null)),
                late))
        .containsExactly(id);
    Job b = store.claim("q", "new", 1, LEASE, late).getFirst();
    assertThat(b.attempt()).isEqualTo(2);
    assertThat(b.leaseToken()).isNotEqualTo(a.leaseToken());
    // the old owner wakes up: renewing and finishing with its stale token change nothing
    assertThat(store.renew(List.of(new Lease(id, a.leaseToken(), null)), LEASE, late))
        .containsExactly(id);
    assertThat(
            store.finish(
                List.of(
                    new Finish(id, a.leaseToken(), JobState.SUCCEEDED, late, 1, List.of(), null)),
                late))
        .isEmpty();
    assertThat(store.job(id).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    assertThat(store.job(id).orElseThrow().workerId()).isEqualTo("new");
    // the new owner's result stands
    assertThat(store.renew(List.of(new Lease(id, b.leaseToken(), "{\"p\":50}")), LEASE, late))
        .isEmpty();
    assertThat(
            store.finish(
                List.of(
                    new Finish(id, b.leaseToken(), JobState.SUCCEEDED, late, 2, b.errors(), null)),
                late))
        .containsExactly(id);
    Job done = store.job(id).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.progress()).isEqualTo("{\"p\":50}");
    assertThat(done.errors()).containsExactly(lost);
    assertThat(done.finishedAt()).isEqualTo(late);
    assertThat(done.leaseToken()).isNull();
  }

  @Test
  void aRetryingJobWaitsForItsBackoffAndKeepsItsHistory() {
    long id = store.enqueue(List.of(job("a")), T0).getFirst().id();
    Job j = store.claim("q", "w", 1, LEASE, T0).getFirst();
    JobError e1 =
        new JobError(at(1), 1, "java.io.IOException", "boom", "trace...", Duration.ofMillis(250));
    store.finish(
        List.of(new Finish(id, j.leaseToken(), JobState.RETRYING, at(11), 1, List.of(e1), null)),
        at(1));
    assertThat(store.job(id).orElseThrow().state()).isEqualTo(JobState.RETRYING);
    assertThat(store.claim("q", "w", 1, LEASE, at(10))).isEmpty();
    Job again = store.claim("q", "w", 1, LEASE, at(11)).getFirst();
    assertThat(again.attempt()).isEqualTo(2);
    assertThat(again.errors()).containsExactly(e1);
  }

  @Test
  void aChildRunsOnlyAfterEveryParentSucceeded() {
    long p1 = store.enqueue(List.of(job("p1")), T0).getFirst().id();
    long p2 = store.enqueue(List.of(job("p2")), T0).getFirst().id();
    long child =
        store.enqueue(List.of(job("child").withParents(List.of(p1, p2))), T0).getFirst().id();
    assertThat(store.job(child).orElseThrow().parents()).containsExactly(p1, p2);
    List<Job> first = store.claim("q", "w", 10, LEASE, T0);
    assertThat(first).extracting(Job::id).containsExactlyInAnyOrder(p1, p2);
    succeed(first.get(0));
    assertThat(store.claim("q", "w", 10, LEASE, T0)).isEmpty();
    succeed(first.get(1));
    assertThat(store.claim("q", "w", 10, LEASE, T0)).extracting(Job::id).containsExactly(child);
  }

  @Test
  void aDeadParentCancelsEveryDescendantWithItsReason() {
    long parent = store.enqueue(List.of(job("p")), T0).getFirst().id();
    long child = store.enqueue(List.of(job("c").withParents(List.of(parent))), T0).getFirst().id();
    long grandchild =
        store.enqueue(List.of(job("g").withParents(List.of(child))), T0).getFirst().id();
    long bystander = store.enqueue(List.of(job("b").withRunAt(at(100))), T0).getFirst().id();
    Job p = store.claim("q", "w", 1, LEASE, T0).getFirst();
    store.finish(
        List.of(new Finish(parent, p.leaseToken(), JobState.DEAD, T0, 1, List.of(), "no")), T0);
    for (long id : List.of(child, grandchild)) {
      Job j = store.job(id).orElseThrow();
      assertThat(j.state()).isEqualTo(JobState.CANCELLED);
      assertThat(j.reason()).isEqualTo("ancestor job " + parent + " is dead");
    }
    assertThat(store.job(bystander).orElseThrow().state()).isEqualTo(JobState.SCHEDULED);
    // a child enqueued after its parent died is cancelled at once
    Job late =
        store
            .job(store.enqueue(List.of(job("l").withParents(List.of(parent))), T0).getFirst().id())
            .orElseThrow();
    assertThat(late.state()).isEqualTo(JobState.CANCELLED);
    assertThat(late.reason()).isEqualTo("parent job " + parent + " is dead");
  }

  @Test
  void jobsEnqueuedInTheCallersTransactionExistOnlyIfItCommits() throws Exception {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      store.enqueue(c, List.of(job("rolled-back")), T0);
      c.rollback();
      store.enqueue(c, List.of(job("committed")), T0);
      assertThat(store.counts()).doesNotContainKey("q");
      c.commit();
    }
    assertThat(store.claim("q", "w", 10, LEASE, T0))
        .extracting(Job::kind)
        .containsExactly("committed");
  }

  @Test
  void deadJobsCanBeListedRetriedAndDiscardedOneOrAll() {
    List<Long> ids =
        store.enqueue(List.of(job("a"), job("b"), job("c")), T0).stream()
            .map(Enqueued::id)
            .toList();
    for (Job j : store.claim("q", "w", 3, LEASE, T0)) {
      store.finish(
          List.of(new Finish(j.id(), j.leaseToken(), JobState.DEAD, T0, 1, List.of(), "bad")), T0);
    }
    assertThat(store.jobs("q", JobState.DEAD, 10))
        .extracting(Job::id)
        .containsExactlyElementsOf(ids);
    assertThat(store.retry("q", ids.get(0), at(1))).isEqualTo(1);
    Job retried = store.job(ids.get(0)).orElseThrow();
    assertThat(retried.state()).isEqualTo(JobState.AVAILABLE);
    assertThat(retried.attempt()).isZero();
    assertThat(store.discard("q", ids.get(1))).isEqualTo(1);
    assertThat(store.job(ids.get(1))).isEmpty();
    assertThat(store.retry("q", null, at(1))).isEqualTo(1);
    assertThat(store.discard("q", null)).isZero();
    assertThat(store.counts().get("q"))
        .containsEntry(JobState.AVAILABLE, 2L)
        .doesNotContainKey(JobState.DEAD);
  }

  @Test
  void purgeDeletesOnlyFinishedJobsOlderThanTheCutoff() {
    store.enqueue(List.of(job("a"), job("b"), job("c")), T0);
    List<Job> claimed = store.claim("q", "w", 2, LEASE, T0);
    succeed(claimed.get(0));
    Job j = claimed.get(1);
    store.finish(
        List.of(
            new Finish(j.id(), j.leaseToken(), JobState.SUCCEEDED, at(100), 1, List.of(), null)),
        at(100));
    assertThat(store.succeededSince("q", at(50))).isEqualTo(1);
    assertThat(store.purge(at(50))).isEqualTo(1);
    assertThat(store.counts().get("q"))
        .containsEntry(JobState.SUCCEEDED, 1L)
        .containsEntry(JobState.AVAILABLE, 1L);
  }

  @Test
  void workersAreListedWithTheirLastHeartbeat() {
    store.heartbeat(new WorkerInfo("w1", "q", "h", 4, T0, T0));
    store.heartbeat(new WorkerInfo("w2", "q", "h", 2, T0, at(1)));
    store.heartbeat(new WorkerInfo("w1", "q", "h", 4, T0, at(5)));
    assertThat(store.workers())
        .extracting(WorkerInfo::id, WorkerInfo::heartbeatAt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("w1", at(5)),
            org.assertj.core.groups.Tuple.tuple("w2", at(1)));
    store.removeWorker("w1");
    assertThat(store.workers()).extracting(WorkerInfo::id).containsExactly("w2");
  }

  @Test
  void aGlobalConcurrencyLimitHoldsAcrossClaimers() {
    store.limits("q", QueueLimits.maxRunning(2));
    assertThat(store.limits("q")).contains(QueueLimits.maxRunning(2));
    store.enqueue(IntStream.range(0, 5).mapToObj(i -> job("k")).toList(), T0);
    List<Job> a = store.claim("q", "w1", 10, LEASE, T0);
    assertThat(a).hasSize(2);
    assertThat(store.claim("q", "w2", 10, LEASE, T0)).isEmpty();
    succeed(a.getFirst());
    assertThat(store.claim("q", "w2", 10, LEASE, T0)).hasSize(1);
    store.limits("q", null);
    assertThat(store.claim("q", "w2", 10, LEASE, T0)).hasSize(2);
  }

  @Test
  void aGlobalRateLimitAdmitsTheBurstThenTheRate() {
    store.limits("q", QueueLimits.rate(2.0, 3));
    store.enqueue(IntStream.range(0, 20).mapToObj(i -> job("k")).toList(), T0);
    assertThat(store.claim("q", "w", 10, LEASE, T0)).hasSize(3);
    assertThat(store.claim("q", "w", 10, LEASE, T0)).isEmpty();
    assertThat(store.claim("q", "w", 10, LEASE, at(1))).hasSize(2);
    assertThat(store.claim("q", "w", 10, LEASE, at(1).plusMillis(400))).isEmpty();
    assertThat(store.claim("q", "w", 10, LEASE, at(11))).hasSize(3);
  }

  @Test
  void aPerKeyRateLimitGivesEachKeyItsOwnBucketAcrossStores() {
    QueueLimits limits = QueueLimits.perKeyRate(1.0, 2);
    store.limits("q", limits);
    assertThat(store.limits("q")).contains(limits);
    List<NewJob> jobs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      jobs.add(job("a").withRateKey("host-a"));
    }
    for (int i = 0; i < 5; i++) {
      jobs.add(job("b").withRateKey("host-b"));
    }
    for (int i = 0; i < 3; i++) {
      jobs.add(job("none"));
    }
    store.enqueue(jobs, T0);
    // one job at a time: once host-a's burst is spent its jobs no longer hide host-b's behind them
    assertThat(store.claim("q", "w1", 1, LEASE, T0))
        .extracting(Job::rateKey)
        .containsExactly("host-a");
    assertThat(store.claim("q", "w1", 1, LEASE, T0))
        .extracting(Job::rateKey)
        .containsExactly("host-a");
    assertThat(store.claim("q", "w1", 1, LEASE, T0))
        .extracting(Job::rateKey)
        .containsExactly("host-b");
    assertThat(store.claim("q", "w1", 10, LEASE, T0))
        .extracting(Job::kind)
        .containsExactlyInAnyOrder("b", "none", "none", "none");
    try (JobStore other = sameDatabase()) { // a second machine shares the buckets
      assertThat(other.claim("q", "w2", 10, LEASE, T0)).isEmpty();
      assertThat(other.claim("q", "w2", 10, LEASE, at(1)))
          .extracting(Job::kind)
          .containsExactlyInAnyOrder("a", "b");
      assertThat(other.claim("q", "w2", 10, LEASE, at(1).plusMillis(400))).isEmpty();
    }
    assertThat(store.claim("q", "w1", 10, LEASE, at(100)))
        .extracting(Job::kind)
        .containsExactlyInAnyOrder("a", "a", "b", "b");
    assertThat(store.counts().get("q")).containsEntry(JobState.RUNNING, 13L);
  }

  @Test
  void aPerKeyRateLimitCombinesWithTheQueueRateAndIsForgottenWhenCleared() {
    store.limits("q", QueueLimits.rate(100.0, 3).withKeyRate(1.0, 2));
    store.enqueue(IntStream.range(0, 6).mapToObj(i -> job("a").withRateKey("k")).toList(), T0);
    store.enqueue(IntStream.range(0, 6).mapToObj(i -> job("b").withRateKey("j")).toList(), T0);
    // the queue's burst of 3 caps the claim even though the keys allow 2 + 2
    assertThat(store.claim("q", "w", 10, LEASE, T0)).hasSize(3);
    assertThat(store.claim("q", "w", 10, LEASE, T0.plusMillis(10))).hasSize(1);
    assertThat(store.claim("q", "w", 10, LEASE, T0.plusMillis(20))).isEmpty();
    store.limits("q", null);
    assertThat(store.claim("q", "w", 10, LEASE, T0.plusMillis(30))).hasSize(8);
    // buckets untouched since before the cutoff and full by then are purged
    store.limits("q", QueueLimits.perKeyRate(1.0, 1));
    store.enqueue(List.of(job("c").withRateKey("k")), at(200));
    assertThat(store.claim("q", "w", 10, LEASE, at(200))).hasSize(1);
    store.purge(at(300));
    store.enqueue(List.of(job("d").withRateKey("k")), at(300));
    assertThat(store.claim("q", "w", 10, LEASE, at(300))).hasSize(1);
  }

  @Test
  void concurrentClaimersOnSeveralStoresNeverExceedAKeysBurst() throws Exception {
    for (int round = 0; round < 5; round++) {
      String queue = "race-" + round;
      store.limits(queue, QueueLimits.perKeyRate(0.001, 3));
      List<NewJob> jobs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        jobs.add(NewJob.ofJson(queue, "k", "{}").withRateKey("key-" + (i % 4)));
      }
      store.enqueue(jobs, T0);
      List<JobStore> stores = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        stores.add(sameDatabase());
      }
      List<Job> claimed = Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch gate = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (JobStore s : stores) {
        threads.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    gate.await();
                    for (int k = 0; k < 4; k++) {
                      claimed.addAll(s.claim(queue, "w", 2, LEASE, T0));
                    }
                  } catch (Throwable t) {
                    failures.add(t);
                  }
                }));
      }
      gate.countDown();
      for (Thread t : threads) {
        t.join();
      }
      stores.forEach(JobStore::close);
      assertThat(failures).isEmpty();
      Map<String, Integer> perKey = new java.util.TreeMap<>();
      for (Job j : claimed) {
        perKey.merge(String.valueOf(j.rateKey()), 1, Integer::sum);
      }
      assertThat(perKey)
          .containsOnlyKeys("key-0", "key-1", "key-2", "key-3")
          .allSatisfy((k, n) -> assertThat(n).isEqualTo(3));
      assertThat(ids(claimed)).hasSize(claimed.size());
    }
  }

  @Test
  void aVersionOneDatabaseIsUpgradedWithItsJobsKept() throws Exception {
    long old = store.enqueue(List.of(job("old")), T0).getFirst().id();
    try (Connection c = connect();
        java.sql.Statement s = c.createStatement()) {
      backTo(1, s);
    }
    try (JobStore upgraded = sameDatabase()) {
      upgraded.migrate();
      upgraded.migrate();
      upgraded.limits("q", QueueLimits.perKeyRate(1.0, 1));
      upgraded.enqueue(List.of(job("new").withRateKey("k"), job("new").withRateKey("k")), T0);
      assertThat(upgraded.claim("q", "w", 10, LEASE, T0))
          .extracting(Job::id, Job::rateKey)
          .hasSize(2)
          .contains(org.assertj.core.groups.Tuple.tuple(old, null));
      upgraded.pause("q", T0);
      assertThat(upgraded.paused()).containsKey("q");
    }
  }

  @Test
  void retryingADeadParentRestoresTheDescendantsItsDeathCancelled() {
    long parent = store.enqueue(List.of(job("p")), T0).getFirst().id();
    long other = store.enqueue(List.of(job("o")), T0).getFirst().id();
    long child = store.enqueue(List.of(job("c").withParents(List.of(parent))), T0).getFirst().id();
    long grandchild =
        store.enqueue(List.of(job("g").withParents(List.of(child))), T0).getFirst().id();
    long both =
        store.enqueue(List.of(job("b").withParents(List.of(parent, other))), T0).getFirst().id();
    for (Job j : store.claim("q", "w", 2, LEASE, T0)) {
      store.finish(
          List.of(new Finish(j.id(), j.leaseToken(), JobState.DEAD, T0, 1, List.of(), "no")), T0);
    }
    long late = store.enqueue(List.of(job("l").withParents(List.of(child))), T0).getFirst().id();
    assertThat(store.job(late).orElseThrow().reason())
        .isEqualTo("parent job " + child + " is cancelled");
    assertThat(store.retry("q", parent, at(1))).isEqualTo(1);
    for (long id : List.of(child, grandchild, late)) {
      Job j = store.job(id).orElseThrow();
      assertThat(j.state()).as("job %s", id).isEqualTo(JobState.SCHEDULED);
      assertThat(j.reason()).isNull();
      assertThat(j.finishedAt()).isNull();
    }
    Job stuck = store.job(both).orElseThrow();
    assertThat(stuck.state()).isEqualTo(JobState.CANCELLED);
    assertThat(stuck.reason()).isEqualTo("parent job " + other + " is dead");
    // the restored descendants wait on their parents again
    List<Job> first = store.claim("q", "w", 10, LEASE, at(1));
    assertThat(first).extracting(Job::id).containsExactly(parent);
    succeed(first.getFirst());
    assertThat(store.claim("q", "w", 10, LEASE, at(1))).extracting(Job::id).containsExactly(child);
    // reviving the other dead parent (all of the queue's dead) restores the last one
    assertThat(store.retry("q", null, at(2))).isEqualTo(1);
    assertThat(store.job(both).orElseThrow().state()).isEqualTo(JobState.SCHEDULED);
  }

  @Test
  void countsArePerQueueAndState() {
    store.enqueue(List.of(job("a"), job("b"), NewJob.ofJson("z", "c", "{}").withRunAt(at(9))), T0);
    store.claim("q", "w", 1, LEASE, T0);
    Map<String, Map<JobState, Long>> counts = store.counts();
    assertThat(counts.get("q"))
        .containsEntry(JobState.RUNNING, 1L)
        .containsEntry(JobState.AVAILABLE, 1L);
    assertThat(counts.get("z")).containsEntry(JobState.SCHEDULED, 1L);
  }

  @Test
  void subscribersAreWokenByEnqueues() throws Exception {
    CountDownLatch woken = new CountDownLatch(1);
    try (AutoCloseable sub = store.subscribe("q", woken::countDown)) {
      store.enqueue(List.of(job("a")), T0);
      woken.await();
    }
  }

  @Test
  void wakeWakesTheQueuesSubscribersWithoutEnqueuing() throws Exception {
    CountDownLatch woken = new CountDownLatch(1);
    try (AutoCloseable sub = store.subscribe("q", woken::countDown)) {
      store.wake("q");
      assertThat(woken.await(2, TimeUnit.MINUTES)).as("woken (hang guard)").isTrue();
    }
    assertThat(store.counts()).isEmpty();
  }

  @Test
  void aPausedQueueIsNeverClaimedFromByAnyStoreUntilResumed() throws Exception {
    store.enqueue(IntStream.range(0, 6).mapToObj(i -> job("k")).toList(), T0);
    store.enqueue(List.of(NewJob.ofJson("other", "k", "{}")), T0);
    store.pause("q", at(1));
    store.pause("q", at(5));
    assertThat(store.paused()).containsExactlyEntriesOf(Map.of("q", at(1)));
    try (JobStore other = sameDatabase()) {
      assertThat(other.claim("q", "w2", 10, LEASE, at(2))).isEmpty();
      store.limits("q", QueueLimits.maxRunning(3));
      assertThat(store.claim("q", "w1", 10, LEASE, at(2))).as("with limits").isEmpty();
      store.limits("q", QueueLimits.perKeyRate(10.0, 10));
      assertThat(store.claim("q", "w1", 10, LEASE, at(2))).as("with a key rate").isEmpty();
      store.limits("q", null);
      assertThat(store.claim("other", "w1", 10, LEASE, at(2))).as("another queue").hasSize(1);
      assertThat(store.counts().get("q")).containsEntry(JobState.AVAILABLE, 6L);
      store.resume("q");
      store.resume("q");
      assertThat(store.paused()).isEmpty();
      assertThat(other.claim("q", "w2", 10, LEASE, at(3))).hasSize(6);
    }
  }

  @Test
  void concurrentRetriesOfOneDeadJobMoveItExactlyOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      String queue = "r" + round;
      long id = store.enqueue(List.of(NewJob.ofJson(queue, "k", "{}")), T0).getFirst().id();
      long child =
          store
              .enqueue(List.of(NewJob.ofJson(queue, "c", "{}").withParents(List.of(id))), T0)
              .getFirst()
              .id();
      Job j = store.claim(queue, "w", 1, LEASE, T0).getFirst();
      store.finish(
          List.of(new Finish(j.id(), j.leaseToken(), JobState.DEAD, T0, 1, List.of(), "bad")), T0);
      assertThat(store.job(child).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
      assertThat(store.children(id)).containsExactly(child);
      assertThat(store.children(child)).isEmpty();
      int n = 4;
      CountDownLatch gate = new CountDownLatch(1);
      List<Integer> moved = Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      List<JobStore> stores = new ArrayList<>();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        JobStore s = t % 2 == 0 ? store : sameDatabase();
        stores.add(s);
        ts.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    gate.await();
                    moved.add(s.retry(queue, id, at(1)));
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                }));
      }
      gate.countDown();
      for (Thread t : ts) {
        t.join();
      }
      stores.stream().filter(s -> s != store).forEach(JobStore::close);
      assertThat(failures).isEmpty();
      assertThat(moved).as("round " + round).containsExactlyInAnyOrder(1, 0, 0, 0);
      Job after = store.job(id).orElseThrow();
      assertThat(after.state()).isEqualTo(JobState.AVAILABLE);
      assertThat(after.attempt()).isZero();
      assertThat(store.job(child).orElseThrow().state()).isEqualTo(JobState.SCHEDULED);
      assertThat(store.retry(queue, id, at(2))).as("a stale retry").isZero();
    }
  }

  @Test
  void findPagesNewestFirstAndSearchesByStateKindKeyAndPayloadText() {
    List<NewJob> batch = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      batch.add(
          NewJob.ofJson("q", i % 3 == 0 ? "mail" : "sms", "{\"to\":\"user-" + i + "\"}")
              .withUniqueKey("key-" + i));
    }
    List<Long> ids = store.enqueue(batch, T0).stream().map(Enqueued::id).toList();
    JobPage first = store.find(JobFilter.of("q", 12));
    assertThat(first.jobs())
        .extracting(Job::id)
        .containsExactlyElementsOf(ids.reversed().subList(0, 12));
    JobPage second = store.find(JobFilter.of("q", 12).before(first.next()));
    assertThat(second.jobs().getFirst().id()).isEqualTo(ids.get(17));
    JobPage last = store.find(JobFilter.of("q", 12).before(second.next()));
    assertThat(last.jobs()).hasSize(6);
    assertThat(last.next()).isNull();
    assertThat(store.find(JobFilter.of("q", 100).withKind("mail")).jobs()).hasSize(10);
    assertThat(store.find(JobFilter.of("q", 100).withText("user-2")).jobs())
        .extracting(Job::id)
        .containsExactly(
            ids.get(29),
            ids.get(28),
            ids.get(27),
            ids.get(26),
            ids.get(25),
            ids.get(24),
            ids.get(23),
            ids.get(22),
            ids.get(21),
            ids.get(20),
            ids.get(2));
    assertThat(store.find(JobFilter.of("q", 100).withText("USER-2")).jobs()).isEmpty();
    assertThat(store.find(JobFilter.of("q", 100).withUniqueKey("key-7")).jobs())
        .extracting(Job::id)
        .containsExactly(ids.get(7));
    Job j = store.claim("q", "w", 1, LEASE, T0).getFirst();
    assertThat(store.find(JobFilter.of("q", 100).withState(JobState.RUNNING)).jobs())
        .extracting(Job::id)
        .containsExactly(j.id());
    assertThat(store.find(JobFilter.of("nope", 10)).jobs()).isEmpty();
  }

  @Test
  void theDashboardReadsOldestDueThroughputAndHeldJobs() {
    store.enqueue(List.of(job("a"), job("b")), at(10));
    store.enqueue(List.of(job("c").withRunAt(at(100))), at(20));
    assertThat(store.oldestDue("q")).contains(at(10));
    assertThat(store.oldestDue("empty")).isEmpty();
    List<Job> got = store.claim("q", "w1", 2, LEASE, at(30));
    assertThat(store.held()).containsExactlyEntriesOf(Map.of("w1", 2L));
    store.finish(
        List.of(
            new Finish(
                got.get(0).id(),
                got.get(0).leaseToken(),
                JobState.SUCCEEDED,
                at(61),
                1,
                List.of(),
                null),
            new Finish(
                got.get(1).id(),
                got.get(1).leaseToken(),
                JobState.DEAD,
                at(61),
                1,
                List.of(),
                "bad")),
        at(61));
    assertThat(store.held()).isEmpty();
    assertThat(store.throughput(T0)).containsExactly(new Throughput("q", at(60), 1, 1));
    assertThat(store.throughput(at(62))).isEmpty();
  }

  private void succeed(Job j) {
    Set<Long> applied =
        store.finish(
            List.of(
                new Finish(
                    j.id(), j.leaseToken(), JobState.SUCCEEDED, T0, j.attempt(), List.of(), null)),
            T0);
    assertThat(applied).containsExactly(j.id());
  }

  static Set<Long> ids(List<Job> jobs) {
    return new HashSet<>(jobs.stream().map(Job::id).toList());
  }
}
