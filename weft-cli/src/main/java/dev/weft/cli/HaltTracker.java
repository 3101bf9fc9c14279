package dev.weft.cli;

import java.util.OptionalLong;

/**
 * Counts finished jobs against a {@link Halt} rule and computes the exit status as GNU parallel
 * does: the number of failed jobs up to 100 and 101 above; with a halt on {@code fail=1} the
 * failing job's own exit code (128 + signal when it was killed); with a percentage, the percentage
 * of jobs that failed. Thread-safe (all methods synchronized; called once per finished job).
 */
final class HaltTracker {

  private final Halt halt;
  private final OptionalLong total;
  private long finished;
  private long failed;
  private long started;
  private Halt.When triggered = Halt.When.NEVER;
  private int haltStatus = -1;

  /**
   * @param halt the rule
   * @param total the number of jobs when known (percentages are of it; else of those finished)
   */
  HaltTracker(Halt halt, OptionalLong total) {
    this.halt = halt;
    this.total = total;
  }

  /** Counts a started job. */
  synchronized void started() {
    started++;
  }

  /**
   * Counts a finished job and {@return whether to halt now: {@code NEVER} to go on, {@code SOON} to
   * start nothing new, {@code NOW} to also kill what runs}
   *
   * @param ok whether the job succeeded
   * @param status its exit code, or 128 + signal when it was killed
   */
  synchronized Halt.When finished(boolean ok, int status) {
    finished++;
    if (!ok) {
      failed++;
    }
    if (halt.when() == Halt.When.NEVER || triggered != Halt.When.NEVER) {
      return triggered;
    }
    long counted =
        switch (halt.what()) {
          case FAIL -> ok ? -1 : failed;
          case SUCCESS -> ok ? finished - failed : -1;
          case DONE -> finished;
        };
    if (counted < 0) {
      return Halt.When.NEVER;
    }
    double limit = halt.percent() ? total.orElse(finished) * halt.count() / 100.0 : halt.count();
    if (counted < limit) {
      return Halt.When.NEVER;
    }
    triggered = halt.when();
    if (halt.what() == Halt.What.SUCCESS) {
      haltStatus = 0;
    } else if (halt.percent()) {
      haltStatus = (int) Math.ceil(failed * 100.0 / Math.max(1, total.orElse(finished)));
    } else if (halt.count() == 1) {
      haltStatus = status;
    } else {
      haltStatus = (int) Math.min(failed, 101);
    }
    return triggered;
  }

  /** {@return whether the rule has fired} */
  synchronized boolean halted() {
    return triggered != Halt.When.NEVER;
  }

  /** {@return the number of failed jobs so far} */
  synchronized long failed() {
    return failed;
  }

  /** {@return the exit status of the run, as GNU parallel computes it} */
  synchronized int exitStatus() {
    if (haltStatus >= 0) {
      return haltStatus;
    }
    if (halt.when() != Halt.When.NEVER && halt.percent()) {
      return (int) Math.ceil(failed * 100.0 / Math.max(1, started));
    }
    return (int) Math.min(failed, 101);
  }
}
