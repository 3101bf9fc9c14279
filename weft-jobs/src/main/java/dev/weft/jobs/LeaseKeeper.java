package dev.weft.jobs;

import dev.weft.jobs.spi.Finish;
import dev.weft.jobs.spi.JobStore;
import dev.weft.jobs.spi.Lease;
import dev.weft.observe.Listener;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@link Worker}'s heartbeat: renews the leases of the jobs it holds in one statement (with their
 * latest progress), takes away those whose lease was lost, records the worker as alive, and rescues
 * jobs whose lease expired on any worker (one that crashed) to retrying or dead.
 *
 * <p>Called from the worker's heart thread only.
 */
final class LeaseKeeper {

  private final JobStore store;
  private final TimeSource time;
  private final Duration lease;
  private final Outcomes outcomes;
  private final Listener listener;
  private final String workerId;
  private final Map<Long, HeldJob> held;
  private final Supplier<WorkerInfo> info;

  LeaseKeeper(
      JobStore store,
      TimeSource time,
      Duration lease,
      Outcomes outcomes,
      Listener listener,
      String workerId,
      Map<Long, HeldJob> held,
      Supplier<WorkerInfo> info) {
    this.store = store;
    this.time = time;
    this.lease = lease;
    this.outcomes = outcomes;
    this.listener = listener;
    this.workerId = workerId;
    this.held = held;
    this.info = info;
  }

  /**
   * One beat.
   *
   * @throws RuntimeException if the store failed; the caller reports it and beats again later
   */
  void beat() {
    Instant now = time.wallTime();
    List<Lease> leases = new ArrayList<>();
    for (HeldJob h : held.values()) {
      leases.add(new Lease(h.job.id(), Outcomes.token(h.job), h.newProgress()));
    }
    Set<Long> lost = store.renew(leases, lease, now);
    for (Long jobId : lost) {
      HeldJob h = held.get(jobId);
      if (h != null && h.takeAway()) {
        held.remove(jobId);
        if (!listener.isNone()) {
          Listener.emit(listener, new JobEvent.LeaseLost(workerId, jobId));
        }
      }
    }
    store.heartbeat(info.get());
    rescue(now);
  }

  /** Moves jobs whose lease expired (of any worker) to retrying or dead, counting the attempt. */
  private void rescue(Instant now) {
    List<Job> expired = store.expired(now, 100);
    if (expired.isEmpty()) {
      return;
    }
    List<Finish> finishes = new ArrayList<>();
    for (Job job : expired) {
      finishes.add(outcomes.rescued(job, workerId));
    }
    Set<Long> applied = store.finish(finishes, now);
    if (!listener.isNone()) {
      for (Finish f : finishes) {
        if (applied.contains(f.id())) {
          Listener.emit(listener, new JobEvent.Rescued(workerId, f.id(), f.to()));
        }
      }
    }
  }
}
