package dev.weft.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.weft.observe.Event;
import dev.weft.policy.Backoff;
import dev.weft.policy.Retry;
import dev.weft.task.CancelledException;
import dev.weft.task.DeadlineExceededException;
import dev.weft.task.TaskFailedException;
import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class TaskQueueTest {

  private static void blockUntilInterrupted() throws InterruptedException {
    new CountDownLatch(1).await();
  }

  private static void awaitEvent(LinkedBlockingQueue<Event> events, Class<?> type)
      throws InterruptedException {
    while (!type.isInstance(events.take())) {
      // skip other events
    }
  }

  private static void awaitWaiting(Thread t) {
    while (t.getState() != Thread.State.WAITING) {
      assertThat(t.isAlive()).isTrue();
      Thread.onSpinWait();
    }
  }

  @RepeatedTest(5)
  void runsEveryTaskWithinTheConcurrencyLimitAndReturnsResults() throws Throwable {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().name("sq").concurrency(4).build()) {
        List<TaskHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
          int n = i;
          handles.add(
              q.submit(() -> {
                max.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                Thread.yield();
                inFlight.decrementAndGet();
                return n * n;
              }));
        }
        q.awaitIdle();
        for (int i = 0; i < handles.size(); i++) {
          assertThat(handles.get(i).await()).isEqualTo(i * i);
          assertThat(handles.get(i).status()).isEqualTo(TaskStatus.SUCCEEDED);
        }
        assertThat(q.size()).isZero();
        assertThat(q.running()).isZero();
      }
    });
    assertThat(max.get()).isBetween(1, 4);
  }

  @Test
  void startsTheHighestPriorityFirstAndFifoWithinAPriority() throws Exception {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    try (TaskQueue q = TaskQueue.builder().concurrency(1).build()) {
      q.pause();
      String[][] tasks = {
        {"LOW", "l1"}, {"NORMAL", "n1"}, {"HIGHEST", "h1"}, {"LOW", "l2"},
        {"NORMAL", "n2"}, {"LOWEST", "z1"}, {"HIGH", "g1"}, {"HIGHEST", "h2"}
      };
      for (String[] t : tasks) {
        q.submit(Priority.valueOf(t[0]), t[1], () -> ran.add(t[1]));
      }
      assertThat(q.size()).isEqualTo(8);
      assertThat(q.running()).isZero();
      assertThat(ran).isEmpty();
      q.resume();
      q.awaitIdle();
    }
    assertThat(ran).containsExactly("h1", "h2", "g1", "n1", "n2", "l1", "l2", "z1");
  }

  @Test
  void pauseStopsStartingTasksAndResumeStartsThemAgain() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    try (TaskQueue q = TaskQueue.builder().concurrency(2).build()) {
      TaskHandle<?> running =
          q.submit(() -> {
            release.await();
            return ran.incrementAndGet();
          });
      while (running.status() != TaskStatus.RUNNING) {
        Thread.onSpinWait();
      }
      q.pause();
      assertThat(q.isPaused()).isTrue();
      for (int i = 0; i < 10; i++) {
        q.submit(ran::incrementAndGet);
      }
      release.countDown();
      running.await();
      assertThat(q.size()).isEqualTo(10);
      assertThat(ran.get()).isEqualTo(1);
      q.resume();
      q.awaitIdle();
      assertThat(ran.get()).isEqualTo(11);
    }
  }

  @RepeatedTest(5)
  void theSubmitterBlocksAtCapacityUntilATaskLeavesTheQueue() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (TaskQueue q = TaskQueue.builder().concurrency(1).capacity(2).build()) {
      TaskHandle<?> first =
          q.submit(() -> {
            release.await();
            return 0;
          });
      while (first.status() != TaskStatus.RUNNING) {
        Thread.onSpinWait();
      }
      q.submit(() -> 1);
      q.submit(() -> 2);
      AtomicReference<TaskHandle<Integer>> fourth = new AtomicReference<>();
      Thread submitter =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  fourth.set(q.submit(() -> 3));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      awaitWaiting(submitter);
      assertThat(fourth.get()).isNull();
      assertThat(q.size()).isEqualTo(2);
      release.countDown();
      submitter.join();
      assertThat(fourth.get().await()).isEqualTo(3);
    }
  }

  @Test
  void everyBlockedSubmitterGetsInWhenTheQueueDrains() throws Exception {
    // blocked submitters are woken once, at half the capacity, and pass the wake-up on
    for (int round = 0; round < 200; round++) {
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger ran = new AtomicInteger();
      try (TaskQueue q = TaskQueue.builder().concurrency(1).capacity(4).build()) {
        TaskHandle<?> gate =
            q.submit(() -> {
              release.await();
              return 0;
            });
        while (gate.status() != TaskStatus.RUNNING) {
          Thread.onSpinWait();
        }
        for (int i = 0; i < 4; i++) {
          q.submit(ran::incrementAndGet);
        }
        List<Thread> blocked = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
          Thread t =
              Thread.ofPlatform()
                  .start(() -> {
                    try {
                      for (int i = 0; i < 3; i++) {
                        q.submit(ran::incrementAndGet);
                      }
                    } catch (InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  });
          awaitWaiting(t);
          blocked.add(t);
        }
        release.countDown();
        for (Thread t : blocked) {
          t.join();
        }
        q.awaitIdle();
        assertThat(ran.get()).as("round %d", round).isEqualTo(4 + 3 * 3);
      }
    }
  }

  @Test
  void memoryStaysFlatOverAMillionSubmissions() throws Exception {
    int capacity = 64;
    AtomicInteger done = new AtomicInteger();
    int maxQueued = 0;
    int maxRunning = 0;
    try (TaskQueue q = TaskQueue.builder().concurrency(4).capacity(capacity).build()) {
      for (int i = 0; i < 1_000_000; i++) {
        q.submit(done::incrementAndGet);
        if ((i & 1023) == 0) {
          QueueProgress p = q.progress();
          maxQueued = Math.max(maxQueued, p.queued());
          maxRunning = Math.max(maxRunning, p.running());
        }
      }
      q.awaitIdle();
      assertThat(q.progress().succeeded()).isEqualTo(1_000_000);
    }
    assertThat(done.get()).isEqualTo(1_000_000);
    assertThat(maxQueued).isLessThanOrEqualTo(capacity);
    assertThat(maxRunning).isLessThanOrEqualTo(4);
  }

  @RepeatedTest(5)
  void manySubmittersAndCancellersKeepTheCountsAndTheLimit() throws Throwable {
    int producers = 4;
    int perProducer = 5_000;
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<TaskHandle<Integer>> handles = Collections.synchronizedList(new ArrayList<>());
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().concurrency(3).capacity(100).build()) {
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
          int seed = p;
          threads.add(
              Thread.ofPlatform()
                  .start(() -> {
                    try {
                      go.await();
                      for (int i = 0; i < perProducer; i++) {
                        Priority pr = Priority.values()[(i + seed) % Priority.values().length];
                        TaskHandle<Integer> h =
                            q.submit(
                                pr,
                                () -> {
                                  max.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                                  inFlight.decrementAndGet();
                                  return 1;
                                });
                        handles.add(h);
                        if (i % 7 == seed) {
                          h.cancel();
                        }
                      }
                    } catch (InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  }));
        }
        go.countDown();
        for (Thread t : threads) {
          t.join();
        }
        q.awaitIdle();
        QueueProgress p = q.progress();
        assertThat(p.submitted()).isEqualTo((long) producers * perProducer);
        assertThat(p.succeeded() + p.cancelled() + p.failed()).isEqualTo(p.submitted());
        assertThat(p.failed()).isZero();
      }
    });
    assertThat(handles).hasSize(producers * perProducer);
    assertThat(handles).allMatch(h -> h.status().isTerminal());
    assertThat(max.get()).isLessThanOrEqualTo(3);
  }

  @Test
  void rejectThrowsWithTheQueueAndCapacity() throws Exception {
    try (TaskQueue q =
        TaskQueue.builder().name("mail").capacity(2).overflow(Overflow.REJECT).build()) {
      q.pause();
      q.submit(() -> 1);
      q.submit(() -> 2);
      assertThatThrownBy(() -> q.submit(() -> 3))
          .isInstanceOf(QueueFullException.class)
          .hasMessage("queue 'mail' is full (2 of 2 waiting); task rejected");
      q.resume();
    }
  }

  @Test
  void dropOldestDropsTheOldestOfTheLowestPriority() throws Exception {
    try (TaskQueue q = TaskQueue.builder().capacity(3).overflow(Overflow.DROP_OLDEST).build()) {
      q.pause();
      TaskHandle<String> a = q.submit(Priority.LOW, () -> "a");
      TaskHandle<String> b = q.submit(Priority.NORMAL, () -> "b");
      TaskHandle<String> c = q.submit(Priority.LOW, () -> "c");
      TaskHandle<String> d = q.submit(Priority.HIGH, () -> "d");
      assertThat(a.status()).isEqualTo(TaskStatus.DROPPED);
      assertThatThrownBy(a::await).isInstanceOf(CancelledException.class);
      TaskHandle<String> e = q.submit(Priority.LOWEST, () -> "e");
      assertThat(e.status()).isEqualTo(TaskStatus.DROPPED);
      q.resume();
      q.awaitIdle();
      assertThat(List.of(b.await(), c.await(), d.await())).containsExactly("b", "c", "d");
      assertThat(q.progress().cancelled()).isEqualTo(2);
    }
  }

  @RepeatedTest(3)
  void theDeadLetterHandlerGetsEachFinallyFailedTaskOnce() throws Exception {
    Set<Long> flaky = ConcurrentHashMap.newKeySet();
    List<DeadLetter> dead = Collections.synchronizedList(new ArrayList<>());
    List<TaskHandle<Integer>> handles = new ArrayList<>();
    try (TaskQueue q =
        TaskQueue.builder()
            .concurrency(8)
            .retry(3, Backoff.fixed(Duration.ZERO))
            .deadLetter(dead::add)
            .build()) {
      for (int i = 0; i < 300; i++) {
        int n = i;
        handles.add(
            q.submit(
                Priority.NORMAL,
                "t" + n,
                () -> {
                  if (n % 3 == 0) {
                    throw new IOException("always fails: " + n);
                  }
                  if (n % 3 == 1 && flaky.add((long) n)) {
                    throw new IllegalStateException("fails once: " + n);
                  }
                  return n;
                }));
      }
      q.awaitIdle();
    }
    assertThat(dead).hasSize(100);
    Set<String> names = new HashSet<>();
    for (DeadLetter d : dead) {
      assertThat(names.add(d.handle().name())).as("once per task").isTrue();
      assertThat(d.attempts()).isEqualTo(3);
      assertThat(d.error()).isInstanceOf(IOException.class);
      assertThat(d.handle().status()).isEqualTo(TaskStatus.FAILED);
    }
    for (int i = 0; i < 300; i++) {
      TaskHandle<Integer> h = handles.get(i);
      if (i % 3 == 0) {
        assertThatThrownBy(h::await)
            .isInstanceOf(TaskFailedException.class)
            .hasMessage(
                "task 't"
                    + i
                    + "' (#"
                    + i
                    + ") of queue 'queue' failed after 3 attempt(s): "
                    + "java.io.IOException: always fails: "
                    + i);
      } else {
        assertThat(h.await()).isEqualTo(i);
        assertThat(h.attempts()).isEqualTo(i % 3 == 1 ? 2 : 1);
      }
    }
  }

  @Test
  void anAttemptPastItsTimeoutIsInterruptedAndRetriedOnTheManualClock() throws Throwable {
    ManualClock clock = new ManualClock();
    LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    AtomicInteger interrupted = new AtomicInteger();
    Semaphore running = new Semaphore(0); // released once per attempt when its body runs
    List<DeadLetter> dead = Collections.synchronizedList(new ArrayList<>());
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q =
          TaskQueue.builder()
              .name("slow")
              .timeSource(clock)
              .timeout(Duration.ofSeconds(1))
              .retry(2, Backoff.fixed(Duration.ofSeconds(5)))
              .deadLetter(dead::add)
              .listener(events::add)
              .build()) {
        TaskHandle<Object> h =
            q.submit(() -> {
              try {
                running.release();
                blockUntilInterrupted();
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
              }
              return "never";
            });
        clock.awaitParked(1); // the worker waits for attempt 1's deadline
        running.acquire(); // attempt 1's body runs (a timeout before that would cancel it unrun)
        clock.advance(Duration.ofSeconds(1));
        awaitEvent(events, TaskQueueEvent.Retrying.class); // the worker has left that wait
        clock.awaitParked(1); // backoff
        clock.advance(Duration.ofSeconds(5));
        awaitEvent(events, TaskQueueEvent.Started.class); // attempt 2
        clock.awaitParked(1);
        running.acquire();
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(h::await)
            .isInstanceOf(DeadlineExceededException.class)
            .hasMessage(
                "task 'task-0' (#0) of queue 'slow' exceeded its timeout of PT1S on attempt 2");
      }
    });
    assertThat(interrupted.get()).isEqualTo(2);
    assertThat(dead).hasSize(1);
  }

  @RepeatedTest(10)
  void shutdownUnderLoadReturnsExactlyTheTasksThatNeverStarted() throws Throwable {
    Set<Integer> started = ConcurrentHashMap.newKeySet();
    int total = 20_000;
    List<Unstarted> unstarted = new ArrayList<>();
    List<TaskHandle<Integer>> handles = new ArrayList<>();
    Leaks.assertNoLeaks(() -> {
      TaskQueue q = TaskQueue.builder().concurrency(4).capacity(total).build();
      for (int i = 0; i < total; i++) {
        int n = i;
        handles.add(
            q.submit(() -> {
              started.add(n);
              return n;
            }));
      }
      unstarted.addAll(q.shutdown(Duration.ZERO));
      assertThatThrownBy(() -> q.submit(() -> 0))
          .isInstanceOf(RejectedExecutionException.class)
          .hasMessage("queue 'queue' is shut down; task rejected");
    });
    Set<Long> returned = new HashSet<>();
    for (Unstarted u : unstarted) {
      returned.add(u.handle().id());
      assertThat(u.handle().status()).isEqualTo(TaskStatus.CANCELLED);
    }
    assertThat(returned).hasSize(unstarted.size());
    for (int i = 0; i < total; i++) {
      boolean ran = started.contains(i);
      assertThat(ran)
          .as("task %d ran xor was returned", i)
          .isNotEqualTo(returned.contains((long) i));
      if (ran) {
        assertThat(handles.get(i).status()).isIn(TaskStatus.SUCCEEDED, TaskStatus.CANCELLED);
      }
    }
    // the returned work can still be run elsewhere
    if (!unstarted.isEmpty()) {
      Object value = unstarted.getFirst().task().call();
      assertThat(value).isEqualTo((int) unstarted.getFirst().handle().id());
    }
  }

  @Test
  void shutdownDrainsWithinTheGraceThenCancelsWhatRuns() throws Throwable {
    ManualClock clock = new ManualClock();
    CountDownLatch firstRunning = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    Leaks.assertNoLeaks(() -> {
      TaskQueue q = TaskQueue.builder().concurrency(1).timeSource(clock).build();
      TaskHandle<Object> stuck =
          q.submit(() -> {
            firstRunning.countDown();
            try {
              blockUntilInterrupted();
            } catch (InterruptedException e) {
              interrupted.incrementAndGet();
              throw e;
            }
            return null;
          });
      TaskHandle<Integer> behind = q.submit(() -> 1);
      firstRunning.await();
      AtomicReference<List<Unstarted>> left = new AtomicReference<>();
      Thread closer = Thread.ofPlatform().start(() -> left.set(q.shutdown(Duration.ofSeconds(30))));
      clock.awaitParked(1);
      assertThat(closer.isAlive()).isTrue();
      clock.advance(Duration.ofSeconds(30));
      closer.join();
      assertThat(left.get()).extracting(Unstarted::handle).containsExactly(behind);
      assertThat(stuck.status()).isEqualTo(TaskStatus.CANCELLED);
      assertThatThrownBy(stuck::await)
          .isInstanceOf(CancelledException.class)
          .hasMessage("task 'task-0' (#0) of queue 'queue' was cancelled while running");
    });
    assertThat(interrupted.get()).isEqualTo(1);
  }

  @Test
  void cancelRemovesAQueuedTaskAndInterruptsARunningOne() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    try (TaskQueue q = TaskQueue.builder().concurrency(1).build()) {
      TaskHandle<Object> first =
          q.submit(() -> {
            running.countDown();
            blockUntilInterrupted();
            return null;
          });
      TaskHandle<Integer> second = q.submit(() -> 2);
      running.await();
      assertThat(second.cancel()).isTrue();
      assertThat(second.status()).isEqualTo(TaskStatus.CANCELLED);
      assertThat(second.cancel()).isFalse();
      assertThat(first.cancel()).isTrue();
      assertThatThrownBy(first::await).isInstanceOf(CancelledException.class);
      assertThat(first.status()).isEqualTo(TaskStatus.CANCELLED);
      q.awaitIdle();
    }
  }

  @Test
  void emitsProgressEvents() throws Exception {
    List<Event> events = Collections.synchronizedList(new ArrayList<>());
    try (TaskQueue q =
        TaskQueue.builder().name("ev").concurrency(2).listener(events::add).build()) {
      for (int i = 0; i < 10; i++) {
        int n = i;
        q.submit(() -> {
          if (n == 3) {
            throw new IllegalStateException("no");
          }
          return n;
        });
      }
      q.awaitIdle();
      QueueProgress p = q.progress();
      assertThat(p.submitted()).isEqualTo(10);
      assertThat(p.succeeded()).isEqualTo(9);
      assertThat(p.failed()).isEqualTo(1);
      assertThat(p.queued()).isZero();
    }
    assertThat(events).allMatch(e -> e.source().equals("ev"));
    assertThat(events).filteredOn(TaskQueueEvent.Submitted.class::isInstance).hasSize(10);
    assertThat(events).filteredOn(TaskQueueEvent.Started.class::isInstance).hasSize(10);
    List<TaskQueueEvent.Ended> ended =
        events.stream()
            .filter(TaskQueueEvent.Ended.class::isInstance)
            .map(TaskQueueEvent.Ended.class::cast)
            .toList();
    assertThat(ended).hasSize(10);
    assertThat(ended).filteredOn(e -> e.status() == TaskStatus.FAILED).hasSize(1);
    assertThat(ended.getLast().progress().succeeded() + ended.getLast().progress().failed())
        .isEqualTo(10);
  }

  @Test
  void runsEachTaskThroughAGivenPolicy() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<DeadLetter> dead = Collections.synchronizedList(new ArrayList<>());
    try (TaskQueue q = TaskQueue.builder().policy(Retry.of(3)).deadLetter(dead::add).build()) {
      TaskHandle<String> flaky =
          q.submit(() -> {
            if (calls.incrementAndGet() < 3) {
              throw new IllegalStateException("not yet");
            }
            return "third time";
          });
      assertThat(flaky.await()).isEqualTo("third time");
      assertThat(flaky.attempts()).isEqualTo(1);
      TaskHandle<String> hopeless =
          q.submit(() -> {
            throw new IllegalStateException("never");
          });
      assertThatThrownBy(hopeless::await).isInstanceOf(RuntimeException.class);
      q.awaitIdle();
    }
    assertThat(dead).hasSize(1);
  }

  @Test
  void runsOnAGivenExecutor() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (TaskQueue q = TaskQueue.builder().concurrency(2).executor(pool).build()) {
      TaskHandle<String> h =
          q.submit(() -> Thread.currentThread().isVirtual() ? "virtual" : "pool");
      assertThat(h.await()).isEqualTo("pool");
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void awaitIdleWithATimeoutReturnsFalseWhenTheTimePassesAndTrueOnceIdle() throws Throwable {
    ManualClock clock = new ManualClock();
    CountDownLatch release = new CountDownLatch(1);
    Leaks.assertNoLeaks(() -> {
      try (TaskQueue q = TaskQueue.builder().name("idle").timeSource(clock).build()) {
        assertThat(q.awaitIdle(Duration.ZERO)).isTrue(); // idle already
        q.submit(() -> {
          release.await();
          return null;
        });
        assertThat(q.awaitIdle(Duration.ZERO)).isFalse();
        AtomicReference<Boolean> first = new AtomicReference<>();
        Thread timesOut =
            Thread.ofVirtual()
                .start(() -> {
                  try {
                    first.set(q.awaitIdle(Duration.ofSeconds(5)));
                  } catch (InterruptedException e) {
                    first.set(null);
                  }
                });
        clock.awaitParked(1);
        clock.advance(Duration.ofSeconds(5));
        timesOut.join();
        assertThat(first.get()).isFalse();
        AtomicReference<Boolean> second = new AtomicReference<>();
        Thread becomesIdle =
            Thread.ofVirtual()
                .start(() -> {
                  try {
                    second.set(q.awaitIdle(Duration.ofSeconds(5)));
                  } catch (InterruptedException e) {
                    second.set(null);
                  }
                });
        clock.awaitParked(1);
        release.countDown(); // the queue goes idle with no time passing
        becomesIdle.join();
        assertThat(second.get()).isTrue();
      }
    });
  }

  @Test
  void awaitIdleWithATimeoutThrowsOnInterruptAndClearsTheFlag() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (TaskQueue q = TaskQueue.builder().build()) {
      q.submit(() -> {
        release.await();
        return null;
      });
      Thread.currentThread().interrupt();
      assertThatThrownBy(() -> q.awaitIdle(Duration.ofDays(1)))
          .isInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
      release.countDown();
    }
  }

  @Test
  void theRateFollowsARecentChangeOfPaceOnTheManualClock() throws Exception {
    ManualClock clock = new ManualClock();
    try (TaskQueue q =
        TaskQueue.builder()
            .name("pace")
            .concurrency(1)
            .timeSource(clock)
            .rateWindow(Duration.ofSeconds(10))
            .build()) {
      for (int i = 0; i < 100; i++) { // 100 tasks of 100 ms: 10 per second for 10 s
        q.submit(() -> {
          clock.advance(Duration.ofMillis(100));
          return null;
        });
      }
      q.awaitIdle();
      assertThat(q.progress().perSecond()).isCloseTo(10.0, within(1e-9));
      for (int i = 0; i < 30; i++) { // then 30 tasks of 1 s: 1 per second for 30 s
        q.submit(() -> {
          clock.advance(Duration.ofSeconds(1));
          return null;
        });
      }
      q.awaitIdle();
      double rate = q.progress().perSecond();
      // 30 s after the last look, the old pace weighs exp(-30/10); the average since the start
      // (130 in 40 s = 3.25 per second) would hide the change
      assertThat(rate).isCloseTo(1 + 9 * Math.exp(-3), within(1e-9)).isLessThan(2);
      q.pause();
      for (int i = 0; i < 10; i++) {
        q.submit(() -> null);
      }
      assertThat(q.progress().eta())
          .contains(Duration.ofNanos((long) (10 / rate * 1e9))); // about 6.9 s, not 3.1 s
      q.resume();
      q.awaitIdle();
    }
  }

  @Test
  void anErrorThrownByATaskFailsItsHandleAndTheQueueStillCloses() throws Exception {
    final class Boom extends Error {
      private static final long serialVersionUID = 1L;

      Boom() {
        super("boom", null, false, false);
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(1);
    try {
      TaskQueue q = TaskQueue.builder().name("err").concurrency(1).executor(pool).build();
      TaskHandle<Object> h =
          q.submit(() -> {
            throw new Boom();
          });
      assertThatThrownBy(h::await).isInstanceOf(Boom.class);
      assertThat(q.submit(() -> "next").await()).isEqualTo("next");
      assertThat(q.shutdown(Duration.ZERO)).isEmpty(); // returns: no worker is counted forever
      assertThat(q.progress().failed()).isEqualTo(1);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void badSettingsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> TaskQueue.builder().concurrency(0))
        .hasMessage("concurrency must be >= 1, was 0");
    assertThatThrownBy(() -> TaskQueue.builder().capacity(-1))
        .hasMessage("capacity must be >= 1, was -1");
    assertThatThrownBy(() -> TaskQueue.builder().retry(0, Backoff.fixed(Duration.ZERO)))
        .hasMessage("maxAttempts must be >= 1, was 0");
    assertThatThrownBy(() -> TaskQueue.builder().timeout(Duration.ZERO))
        .hasMessage("timeout must be > 0, was PT0S");
    assertThatThrownBy(() -> TaskQueue.builder().closeGrace(Duration.ofSeconds(-1)))
        .hasMessage("closeGrace must be >= 0, was PT-1S");
    assertThatThrownBy(() -> TaskQueue.builder().rateWindow(Duration.ZERO))
        .hasMessage("rateWindow must be > 0, was PT0S");
  }
}
