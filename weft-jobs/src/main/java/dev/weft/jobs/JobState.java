package dev.weft.jobs;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a durable job and the one table of moves between them.
 *
 * <pre>
 *   scheduled ──due──▶ available ──claim──▶ running ──ok──▶ succeeded
 *       ▲                  ▲                   │
 *       │                  └──── retrying ◀────┤ failed, attempts left (or lease expired); snoozed: back to scheduled
 *       │                                      └──────▶ dead (attempts exhausted)
 *   any unfinished state ──cancel──▶ cancelled;  dead / cancelled ──retry by hand──▶ available
 * </pre>
 */
public enum JobState {
  /** Waiting for its run-at time or for its parents. */
  SCHEDULED,
  /** Ready to be claimed by a worker. */
  AVAILABLE,
  /** Claimed under a lease by a worker that is running it. */
  RUNNING,
  /** Finished successfully. Final. */
  SUCCEEDED,
  /** Failed with attempts left; waits for its backoff to pass. */
  RETRYING,
  /** Failed on its last attempt, or could not be run at all; the dead-letter queue. */
  DEAD,
  /** Cancelled by hand or because a parent died. */
  CANCELLED;

  /** {@return whether the job will not move again unless retried by hand} */
  public boolean isFinal() {
    return this == SUCCEEDED || this == DEAD || this == CANCELLED;
  }

  /** {@return the states this one may move to} */
  public Set<JobState> next() {
    return switch (this) {
      case SCHEDULED -> EnumSet.of(AVAILABLE, CANCELLED);
      case AVAILABLE -> EnumSet.of(RUNNING, SCHEDULED, CANCELLED);
      case RUNNING -> EnumSet.of(SUCCEEDED, RETRYING, DEAD, CANCELLED, AVAILABLE, SCHEDULED);
      case RETRYING -> EnumSet.of(AVAILABLE, CANCELLED, DEAD);
      case DEAD, CANCELLED -> EnumSet.of(AVAILABLE);
      case SUCCEEDED -> EnumSet.noneOf(JobState.class);
    };
  }

  /** {@return whether moving from this state to {@code to} is allowed} */
  public boolean canMoveTo(JobState to) {
    return next().contains(to);
  }
}
