package dev.weft.cli;

import dev.weft.flow.RateLimiter;
import dev.weft.observe.Progress;
import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Runs the jobs of {@code weft run}: pulls argument lists from the input one at a time (so input is
 * streamed), waits for a slot and the pacer, and runs each job on a virtual thread of its own:
 * tries, backoff between tries (its slot given back meanwhile), the job log line of every try,
 * output, results, dead letters, the state row, the halt rule.
 *
 * <p>Overview: the calling thread is the only producer; each job's thread is the only writer of its
 * job's records, and every sink is thread-safe. A phaser counts jobs in flight so {@link #run}
 * returns only when all have ended. Stopping (halt, Ctrl-C) sets {@code stopping}; the producer
 * starts nothing after that, and halt-now or an interrupt terminates the running process trees. A
 * killed job is logged but not recorded as done, so a resumed run runs it again.
 *
 * <p>Thread-safe for {@link #interrupt()} from another thread; {@link #run} is called once.
 */
final class Runner {

  /** Where the records of a run go; null members are off. */
  record Sinks(
      OutputPrinter printer,
      @Nullable JobLog jobLog,
      @Nullable LineFile results,
      @Nullable LineFile deadLetters,
      @Nullable Progress progress,
      @Nullable RunState state,
      PrintStream out,
      PrintStream err) {}

  /** Told when a job has ended, after all its records are written. */
  @FunctionalInterface
  interface Finished {
    /**
     * Receives the end of job {@code seq}.
     *
     * @param seq the job number
     * @param ok whether it succeeded (false when it failed or was killed)
     */
    void finished(long seq, boolean ok);
  }

  private static final ThreadFactory JOBS = WeftThreads.virtual("weft-run-job");

  private final RunSettings settings;
  private final Sinks sinks;
  private final TimeSource time;
  private final HaltTracker halt;
  private final ProcessRunner processes;
  private final Slots slots;
  private final @Nullable RateLimiter pacer;
  private final Set<ProcessRunner.Job> running = ConcurrentHashMap.newKeySet();
  private final Phaser inFlight = new Phaser(1);
  private volatile boolean stopping;
  private volatile boolean interrupted;
  private volatile boolean killing;
  private volatile @Nullable String sinkFailure;
  private volatile Finished onFinished = (seq, ok) -> {};

  /** Sets who is told when each job ends (the dependency runner); call before {@link #run}. */
  void onFinished(Finished f) {
    this.onFinished = f;
  }

  Runner(RunSettings settings, Sinks sinks, HaltTracker halt, TimeSource time) {
    this.settings = settings;
    this.sinks = sinks;
    this.time = time;
    this.halt = halt;
    this.processes = new ProcessRunner(settings.grace());
    this.slots = new Slots(settings.jobs());
    this.pacer =
        settings.startInterval().isZero()
            ? null
            : RateLimiter.builder()
                .name("weft-run-starts")
                .rate(1, settings.startInterval())
                .burst(1)
                .timeSource(time)
                .build();
  }

  /**
   * Runs every job of {@code input} not in {@code skip}, returning when all have ended.
   *
   * @return the number of jobs started
   */
  long run(Iterator<List<String>> input, LongPredicate skip) throws IOException {
    long seq = 0;
    long started = 0;
    try {
      while (!stopping && input.hasNext()) {
        List<String> args = input.next();
        seq++;
        if (skip.test(seq)) {
          sinks.printer().skip(seq);
          Progress p = sinks.progress();
          if (p != null) {
            p.step(); // done by an earlier run
          }
          continue;
        }
        if (settings.dryRun()) {
          sinks.out().println(settings.template().line(args, seq, 1));
          continue;
        }
        int slot = slots.acquire();
        if (stopping) {
          slots.release(slot);
          break;
        }
        RateLimiter starts = pacer;
        if (starts != null) {
          starts.acquire();
        }
        halt.started();
        started++;
        long s = seq;
        inFlight.register();
        JOBS.newThread(
                () -> {
                  try {
                    runJob(s, args, slot);
                  } finally {
                    inFlight.arriveAndDeregister();
                  }
                })
            .start();
      }
    } catch (InterruptedException e) {
      interrupted = true;
      stopping = true;
    } catch (UncheckedIOException e) {
      stopping = true;
      sinkFailure = "reading input: " + e.getMessage();
    }
    awaitJobs();
    sinks.out().flush();
    sinks.printer().flushAll();
    return started;
  }

  private void awaitJobs() {
    int phase = inFlight.arrive();
    while (true) {
      try {
        inFlight.awaitAdvanceInterruptibly(phase);
        return;
      } catch (InterruptedException e) {
        interrupt();
      }
    }
  }

  /** {@return whether the run was interrupted (Ctrl-C)} */
  boolean interrupted() {
    return interrupted;
  }

  /** {@return the first failure of a sink (job log, results, state), if any, as one line} */
  @Nullable String sinkFailure() {
    return sinkFailure;
  }

  /** Stops starting jobs and kills the running ones (Ctrl-C); returns at once. */
  void interrupt() {
    interrupted = true;
    stopping = true;
    killAll();
  }

  private void killAll() {
    killing = true;
    for (ProcessRunner.Job j : running) {
      WeftThreads.virtual("weft-run-kill")
          .newThread(() -> {
            try {
              j.terminate();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          })
          .start();
    }
  }

  private void runJob(long seq, List<String> args, int firstSlot) {
    int slot = firstSlot;
    boolean succeeded = false;
    Progress progress = sinks.progress();
    try {
      String line = settings.template().line(args, seq, slot);
      List<String> argv = settings.template().argv(args, seq, slot, settings.shell());
      SplittableRandom random = new SplittableRandom(seq);
      ProcessRunner.Outcome outcome;
      Instant firstStart = time.wallTime();
      long t0 = time.read();
      int attempt = 0;
      while (true) {
        attempt++;
        Instant start = time.wallTime();
        long a0 = time.read();
        ProcessRunner.Job job = processes.start(argv);
        running.add(job);
        if (killing) {
          job.terminate();
        }
        outcome = job.await(settings.timeout());
        running.remove(job);
        Duration took = time.since(a0);
        JobLog log = sinks.jobLog();
        if (log != null) {
          log.write(
              seq,
              start,
              took,
              outcome.out().length + outcome.err().length,
              outcome.exitValue(),
              outcome.signal(),
              line);
        }
        boolean ok = outcome.exitValue() == 0 && outcome.signal() == 0;
        if (ok
            || attempt >= settings.tries()
            || stopping
            || (outcome.killed() && !outcome.timedOut())) {
          break;
        }
        Duration wait = settings.backoff().delay(attempt, random);
        if (!wait.isZero()) {
          slots.release(slot);
          slot = -1;
          time.sleep(wait);
          slot = slots.acquire();
        }
      }
      boolean ok = outcome.exitValue() == 0 && outcome.signal() == 0;
      boolean cut = outcome.killed() && !outcome.timedOut(); // halt-now or Ctrl-C: not done
      sinks
          .printer()
          .print(seq, outcome.out(), outcome.err(), settings.tag() ? String.join(" ", args) : null);
      if (cut) {
        return;
      }
      succeeded = ok;
      Duration took = time.since(t0);
      int status = outcome.signal() != 0 ? 128 + outcome.signal() : outcome.exitValue();
      LineFile results = sinks.results();
      if (results != null) {
        Map<String, @Nullable Object> r = new LinkedHashMap<>();
        r.put("job", seq);
        r.put("args", args);
        r.put("command", line);
        r.put("exit", outcome.exitValue());
        r.put("signal", outcome.signal());
        r.put("timed_out", outcome.timedOut());
        r.put("start", firstStart.toString());
        r.put("duration_ms", took.toMillis());
        r.put("attempts", attempt);
        r.put("stdout", new String(outcome.out(), StandardCharsets.UTF_8));
        r.put("stderr", new String(outcome.err(), StandardCharsets.UTF_8));
        results.println(Json.line(r));
      }
      LineFile dead = sinks.deadLetters();
      if (!ok && dead != null) {
        dead.println(String.join("\t", args));
      }
      RunState state = sinks.state();
      if (state != null) {
        state.finished(seq, String.join("\t", args), ok, status, attempt, took);
      }
      if (progress != null) {
        if (ok) {
          progress.step();
        } else {
          progress.fail();
        }
      }
      Halt.When when = halt.finished(ok, status);
      if (when != Halt.When.NEVER) {
        stopping = true;
        if (when == Halt.When.NOW && !killing) {
          killAll();
        }
      }
    } catch (IOException e) {
      fail(e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (InterruptedException e) {
      interrupted = true;
      stopping = true;
    } finally {
      onFinished.finished(seq, succeeded);
      if (slot > 0) {
        slots.release(slot);
      }
    }
  }

  private void fail(String message) {
    if (sinkFailure == null) {
      sinkFailure = message;
    }
    stopping = true;
  }
}
