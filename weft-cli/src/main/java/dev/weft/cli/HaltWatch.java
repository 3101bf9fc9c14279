package dev.weft.cli;

import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.NewJob;
import dev.weft.observe.WeftThreads;
import dev.weft.task.CancelledException;
import dev.weft.task.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * {@code --halt} across machines: when the {@code weft run --db} process decides its run halts, it
 * enqueues one job into the run's halt queue ({@code weft-halt-<run id>}); every process working on
 * the run watches that queue (PostgreSQL {@code LISTEN/NOTIFY} through the store's subscription, so
 * it learns at once), starts no more of the run's jobs, and with {@code --halt now} kills the
 * process trees of the ones it is running.
 *
 * <p>Thread-safe: per-run state lives in concurrent maps; the subscription callback only starts a
 * virtual thread that reads the halt queue (a service thread: the store's notification thread must
 * not block on the database or on kills).
 */
final class HaltWatch implements AutoCloseable {

  private static final String KIND = "weft-run-halt";
  private static final ThreadFactory THREADS = WeftThreads.virtual("weft-halt-watch");

  private final JobQueue queue;
  private final Map<String, Halt.When> halted = new ConcurrentHashMap<>();
  private final Map<String, AutoCloseable> watched = new ConcurrentHashMap<>();
  private final Map<String, Set<ProcessRunner.Job>> running = new ConcurrentHashMap<>();

  HaltWatch(JobQueue queue) {
    this.queue = queue;
  }

  /** Tells every process working on {@code runQueue} that the run halts {@code when}. */
  static void halt(JobQueue queue, String runQueue, Halt.When when) {
    queue.enqueue(
        NewJob.of(haltQueue(runQueue), KIND, Map.of("when", when.name())).withUniqueKey("halt"));
  }

  static String haltQueue(String runQueue) {
    return runQueue.replaceFirst("^weft-run-", "weft-halt-");
  }

  /** {@return whether the run of {@code runQueue} has halted}, watching it from now on */
  boolean halted(String runQueue) {
    watch(runQueue);
    return halted.containsKey(runQueue);
  }

  /** Records that {@code job} of {@code runQueue} runs here, killing it if the run halts now. */
  void started(String runQueue, ProcessRunner.Job job) {
    watch(runQueue);
    running.computeIfAbsent(runQueue, q -> ConcurrentHashMap.newKeySet()).add(job);
    if (halted.get(runQueue) == Halt.When.NOW) {
      kill(runQueue);
    }
  }

  /** Records that {@code job} of {@code runQueue} ended. */
  void ended(String runQueue, ProcessRunner.Job job) {
    Set<ProcessRunner.Job> jobs = running.get(runQueue);
    if (jobs != null) {
      jobs.remove(job);
    }
  }

  private void watch(String runQueue) {
    if (watched.containsKey(runQueue)) {
      return;
    }
    synchronized (watched) {
      if (watched.containsKey(runQueue)) {
        return;
      }
      // subscribe first, then read: a halt enqueued in between wakes the subscription
      watched.put(
          runQueue,
          queue.subscribe(
              haltQueue(runQueue), () -> THREADS.newThread(() -> read(runQueue)).start()));
      read(runQueue);
    }
  }

  private void read(String runQueue) {
    List<Job> h = queue.jobs(haltQueue(runQueue), JobState.AVAILABLE, 1);
    if (h.isEmpty() || halted.containsKey(runQueue)) {
      return;
    }
    Halt.When when = h.getFirst().payload().contains("NOW") ? Halt.When.NOW : Halt.When.SOON;
    halted.put(runQueue, when);
    if (when == Halt.When.NOW) {
      kill(runQueue);
    }
  }

  /**
   * Kills the process trees of {@code runQueue}'s running jobs, concurrently (each may wait out its
   * grace period), in forks of a scope of the calling thread; returns once they are gone. An
   * interrupt cancels the kills not yet done (a job's own thread still kills its tree when its
   * worker stops) and is kept set.
   */
  private void kill(String runQueue) {
    List<ProcessRunner.Job> jobs = new ArrayList<>(running.getOrDefault(runQueue, Set.of()));
    if (jobs.isEmpty()) {
      return;
    }
    try (Scope kills = Scope.builder().name("weft halt-now kills").collectAll().open()) {
      for (ProcessRunner.Job j : jobs) {
        kills.fork(() -> {
          j.terminate();
          return null;
        });
      }
      kills.join();
    } catch (CancelledException interrupted) {
      // join set the interrupt status again; the caller sees it at its next wait
    }
  }

  /** Stops watching. */
  @Override
  public void close() {
    synchronized (watched) {
      for (AutoCloseable c : watched.values()) {
        try {
          c.close();
        } catch (Exception e) {
          // a subscription that cannot be closed is gone with the store
        }
      }
      watched.clear();
    }
  }
}
