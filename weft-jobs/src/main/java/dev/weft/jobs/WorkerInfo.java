package dev.weft.jobs;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker as the store last heard of it: a worker that stopped heartbeating for longer than its
 * lease is dead or cut off, and its jobs are reclaimed by others.
 *
 * @param id the worker's id, unique per process run
 * @param queue the queue it works on
 * @param host the host name it runs on
 * @param concurrency how many jobs it runs at once
 * @param startedAt when it started
 * @param heartbeatAt when it last heartbeated
 */
public record WorkerInfo(
    String id, String queue, String host, int concurrency, Instant startedAt, Instant heartbeatAt) {

  /** Checks that no component is null. */
  public WorkerInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(heartbeatAt, "heartbeatAt");
  }
}
