package dev.weft.cli;

import dev.weft.flow.RateLimiter;
import dev.weft.observe.Progress;
import dev.weft.task.CancelledException;
import dev.weft.task.Scope;
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
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.LongPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Runs the jobs of {@code weft run}: pulls argument lists from the input one at a time (so input is
 * streamed), waits for a slot and the pacer, and forks each job into the run's {@link Scope}:
 * tries, backoff between tries (its slot given back meanwhile), the job log line of every try,
 * output, results, dead letters, the state row, the halt rule.
 *
 * <p>Overview: the calling thread opens the scope and is the only producer; each job's fork is the
 * only writer of its job's records, and every sink is thread-safe. The slots ({@code -j}, and the
 * {@code {%}} numbers) are taken by the producer before it forks and given back by the fork, so the
 * scope itself is unbounded: a job waiting out a backoff holds no slot. {@link #run} returns once
 * the scope has joined every fork. Stopping (halt, Ctrl-C) sets {@code stopping}, after which the
 * producer starts nothing; halt-now, Ctrl-C ({@link #interrupt()}) and an interrupt of the producer
 * also cancel the scope, which interrupts every fork, and each interrupted fork kills its own
 * process tree ({@link ProcessRunner.Job#terminate()}) and collects what it did, so the trees die
 * concurrently and {@code run} returns only once they are gone. A killed job is logged but not
 * recorded as done, so a resumed run runs it again. The scope collects all outcomes: one job's
 * failure is the halt rule's business, not the scope's.
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

  private final RunSettings settings;
  private final Sinks sinks;
  private final TimeSource time;
  private final HaltTracker halt;
  private final ProcessRunner processes;
  private final Slots slots;
  private final @Nullable RateLimiter pacer;
  private volatile @Nullable Scope jobs; // the run's scope, while it is open
  private volatile boolean stopping;
  private volatile boolean interrupted;
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
   * Runs every job of {@code input} not in {@code skip}, returning when all have ended (killed, if
   * the run was interrupted or halted now). An interrupt of the calling thread is taken as Ctrl-C:
   * {@link #interrupted()} becomes true and the interrupt status is cleared.
   *
   * @return the number of jobs started
   */
  long run(Iterator<List<String>> input, LongPredicate skip) throws IOException {
    long seq = 0;
    long started = 0;
    try (Scope scope = Scope.builder().name("weft run").collectAll().open()) {
      jobs = scope;
      if (interrupted) {
        scope.cancel(); // interrupt() came before the scope was published
      }
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
          RateLimiter starts = pacer;
          if (starts != null && !stopping) {
            starts.acquire();
          }
          if (stopping) {
            slots.release(slot);
            break;
          }
          halt.started();
          started++;
          scope.fork(new Start(seq, args, slot));
        }
      } catch (InterruptedException e) {
        interrupted = true;
        stopping = true;
        scope.cancel();
      } catch (UncheckedIOException e) {
        stopping = true;
        sinkFailure = "reading input: " + e.getMessage();
      }
      try {
        scope.join();
      } catch (CancelledException e) {
        // interrupted while joining: the scope cancelled the jobs and waited for them
        Thread.interrupted();
        interrupted = true;
        stopping = true;
      }
    } finally {
      jobs = null;
    }
    sinks.out().flush();
    sinks.printer().flushAll();
    return started;
  }

  /**
   * One job's fork. Its arguments are dropped once it runs: the scope keeps its forks (and so their
   * tasks) until the run ends, and a streamed input must not be kept with them.
   */
  private final class Start implements Callable<@Nullable Void> {
    private final long seq;
    private final int slot;
    private @Nullable List<String> args;

    Start(long seq, List<String> args, int slot) {
      this.seq = seq;
      this.args = args;
      this.slot = slot;
    }

    @Override
    public @Nullable Void call() {
      List<String> a = args;
      args = null;
      if (a != null) {
        runJob(seq, a, slot);
      }
      return null;
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

  /**
   * Stops starting jobs and kills the running ones (Ctrl-C): cancels the run's scope, whose forks
   * then kill their process trees; returns at once.
   */
  void interrupt() {
    interrupted = true;
    stopping = true;
    cancelJobs();
  }

  /**
   * Cancels the run's scope (any thread); {@link #run} checks {@code interrupted} after opening.
   */
  private void cancelJobs() {
    Scope s = jobs;
    if (s != null) {
      s.cancel();
    }
  }

  /**
   * {@return what {@code job} did}, or, when this fork is interrupted first (the scope was
   * cancelled: halt-now, Ctrl-C), what it did once its process tree has been killed
   */
  private ProcessRunner.Outcome await(ProcessRunner.Job job) throws InterruptedException {
    try {
      return job.await(settings.timeout());
    } catch (InterruptedException cancelled) {
      stopping = true;
      job.terminate(); // the flag is clear again: this waits out the grace period if need be
      return job.await(null);
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
      boolean cancelled = false; // the scope was cancelled while this job waited to try again
      while (true) {
        attempt++;
        Instant start = time.wallTime();
        long a0 = time.read();
        outcome = await(processes.start(argv));
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
          try {
            time.sleep(wait);
            slot = slots.acquire();
          } catch (InterruptedException e) {
            cancelled = true;
            stopping = true;
            break;
          }
        }
      }
      boolean ok = outcome.exitValue() == 0 && outcome.signal() == 0;
      // halt-now or Ctrl-C: not done
      boolean cut = cancelled || (outcome.killed() && !outcome.timedOut());
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
        if (when == Halt.When.NOW) {
          cancelJobs(); // interrupts this fork too; nothing below waits
        }
      }
    } catch (IOException e) {
      fail(e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (InterruptedException e) {
      stopping = true; // cancelled while killing its own tree or writing its state row
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
