package dev.weft.cli;

import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobHandler;
import dev.weft.jobs.JobOutcome;
import dev.weft.observe.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The {@code weft run --db} process's view of its run: the {@link JobHandler} of the run's report
 * queue, where every try of every job of the run is reported by whichever process ran it ({@link
 * CommandJob}). Each report becomes a job log line; the final one of a job also its output (in job
 * order with {@code --keep-order}), its results line, its dead letter, a progress step and a count
 * for {@code --halt} and the exit status. With {@code --jobs FILE}, the dependants of a job that
 * failed are cancelled by the queue and reported here as skipped. {@link #awaitEnded()} returns
 * once every job of the run has ended.
 *
 * <p>Thread-safe: reports may be handled concurrently; the sinks are thread-safe and the ended set
 * is guarded by one lock. A report delivered twice (at-least-once) is written once.
 */
final class RunFollower implements JobHandler {

  /** The graph of {@code --jobs FILE}: id and dependants of each job number (index seq - 1). */
  record Graph(List<String> ids, List<List<Long>> dependants) {}

  private final long total;
  private final RunSettings settings;
  private final Runner.Sinks sinks;
  private final HaltTracker tracker;
  private final @Nullable Graph graph;
  private final Consumer<Halt.When> onHalt;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final BitSet ended = new BitSet();
  private final Map<Long, Long> firstStart = new HashMap<>();
  private long endedCount;
  private boolean halted;
  private boolean interrupted;
  private @Nullable String sinkFailure;

  /**
   * @param total the number of jobs of the run (numbered 1 to total)
   * @param settings the run's settings ({@code --tag})
   * @param sinks where outputs and records go
   * @param tracker counts ends for {@code --halt} and the exit status
   * @param graph the dependencies of {@code --jobs FILE}, or null
   * @param onHalt called once, from a handler's thread, when the halt rule fires
   */
  RunFollower(
      long total,
      RunSettings settings,
      Runner.Sinks sinks,
      HaltTracker tracker,
      @Nullable Graph graph,
      Consumer<Halt.When> onHalt) {
    this.total = total;
    this.settings = settings;
    this.sinks = sinks;
    this.tracker = tracker;
    this.graph = graph;
    this.onHalt = onHalt;
  }

  /** Counts job {@code seq} as ended before this process started following (a resumed run). */
  void endedBefore(long seq) throws IOException {
    if (end(seq)) {
      sinks.printer().skip(seq);
      Progress p = sinks.progress();
      if (p != null) {
        p.step();
      }
    }
  }

  @Override
  public JobOutcome handle(JobContext ctx) {
    Map<?, ?> r = ctx.payload(Map.class);
    try {
      write(r);
    } catch (IOException e) {
      fail(e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return JobOutcome.success();
  }

  private void write(Map<?, ?> r) throws IOException {
    long seq = number(r.get("job"));
    if (Boolean.TRUE.equals(r.get("not_run"))) {
      if (end(seq)) {
        sinks.printer().skip(seq);
        endDependants(seq, false);
      }
      return;
    }
    Instant start = Instant.ofEpochMilli(number(r.get("start_ms")));
    Duration runtime = Duration.ofNanos(number(r.get("runtime_ns")));
    int exit = (int) number(r.get("exit"));
    int signal = (int) number(r.get("signal"));
    String line = String.valueOf(r.get("command"));
    boolean last = Boolean.TRUE.equals(r.get("final"));
    if (last && isEnded(seq)) {
      return; // ended before this process followed the run, or reported twice
    }
    JobLog log = sinks.jobLog();
    if (log != null) {
      log.write(seq, start, runtime, number(r.get("received")), exit, signal, line);
    }
    long firstMs;
    lock.lock();
    try {
      if (!last) {
        firstStart.putIfAbsent(seq, start.toEpochMilli());
        return;
      }
      Long f = firstStart.remove(seq);
      firstMs = f == null ? start.toEpochMilli() : Math.min(f, start.toEpochMilli());
    } finally {
      lock.unlock();
    }
    List<String> args = strings(r.get("args"));
    byte[] out = Base64.getDecoder().decode(String.valueOf(r.get("out")));
    byte[] err = Base64.getDecoder().decode(String.valueOf(r.get("err")));
    if (!end(seq)) {
      return; // reported twice (a try ran again after its report): written once
    }
    sinks.printer().print(seq, out, err, settings.tag() ? String.join(" ", args) : null);
    if (Boolean.TRUE.equals(r.get("cut"))) {
      endDependants(seq, false);
      return; // killed by --halt now: not done, as in a local run
    }
    boolean ok = exit == 0 && signal == 0;
    int tries = (int) number(r.get("try"));
    LineFile results = sinks.results();
    if (results != null) {
      Map<String, @Nullable Object> j = new LinkedHashMap<>();
      j.put("job", seq);
      j.put("args", args);
      j.put("command", line);
      j.put("exit", exit);
      j.put("signal", signal);
      j.put("timed_out", r.get("timed_out"));
      j.put("start", Instant.ofEpochMilli(firstMs).toString());
      j.put("duration_ms", start.toEpochMilli() + runtime.toMillis() - firstMs);
      j.put("attempts", tries);
      j.put("stdout", new String(out, StandardCharsets.UTF_8));
      j.put("stderr", new String(err, StandardCharsets.UTF_8));
      results.println(Json.line(j));
    }
    LineFile dead = sinks.deadLetters();
    if (!ok && dead != null) {
      dead.println(String.join("\t", args));
    }
    Progress progress = sinks.progress();
    if (progress != null) {
      if (ok) {
        progress.step();
      } else {
        progress.fail();
      }
    }
    halt(tracker.finished(ok, signal != 0 ? 128 + signal : exit));
    if (!ok) {
      endDependants(seq, true);
    }
  }

  private void halt(Halt.When when) {
    if (when == Halt.When.NEVER) {
      return;
    }
    lock.lock();
    try {
      if (halted) {
        return;
      }
      halted = true;
    } finally {
      lock.unlock();
    }
    onHalt.accept(when);
  }

  /** The queue cancels the descendants of a job that did not succeed: count them as ended. */
  private void endDependants(long seq, boolean failed) throws IOException {
    Graph g = graph;
    if (g == null) {
      return;
    }
    Deque<long[]> q = new ArrayDeque<>();
    g.dependants().get((int) seq - 1).forEach(d -> q.add(new long[] {d, seq}));
    PrintStream err = sinks.err();
    while (!q.isEmpty()) {
      long[] e = q.poll();
      if (!end(e[0])) {
        continue;
      }
      sinks.printer().skip(e[0]);
      if (failed) {
        String need = g.ids().get((int) e[1] - 1);
        err.println(
            "weft: skipped "
                + g.ids().get((int) e[0] - 1)
                + " (needs "
                + need
                + (e[1] == seq ? ", which failed)" : ", which was skipped)"));
        halt(tracker.finished(false, 1));
      }
      g.dependants().get((int) e[0] - 1).forEach(d -> q.add(new long[] {d, e[0]}));
    }
  }

  private boolean isEnded(long seq) {
    lock.lock();
    try {
      return ended.get((int) seq);
    } finally {
      lock.unlock();
    }
  }

  /** Marks {@code seq} ended; {@return false if it already was} */
  private boolean end(long seq) {
    lock.lock();
    try {
      if (ended.get((int) seq)) {
        return false;
      }
      ended.set((int) seq);
      endedCount++;
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void fail(String message) {
    lock.lock();
    try {
      if (sinkFailure == null) {
        sinkFailure = message;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every job of the run has ended, a sink failed, or {@link #interrupt()} was called.
   * Returns by one of those; never throws.
   */
  void awaitEnded() {
    lock.lock();
    try {
      while (endedCount < total && sinkFailure == null && !interrupted) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Makes {@link #awaitEnded()} return (Ctrl-C); returns at once. */
  void interrupt() {
    lock.lock();
    try {
      interrupted = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** {@return whether {@link #interrupt()} was called} */
  boolean interrupted() {
    lock.lock();
    try {
      return interrupted;
    } finally {
      lock.unlock();
    }
  }

  /** {@return the first failure of a sink (job log, results), if any, as one line} */
  @Nullable String sinkFailure() {
    lock.lock();
    try {
      return sinkFailure;
    } finally {
      lock.unlock();
    }
  }

  private static long number(@Nullable Object n) {
    return ((Number) Objects.requireNonNull(n)).longValue();
  }

  private static List<String> strings(@Nullable Object list) {
    return ((List<?>) Objects.requireNonNull(list)).stream().map(String::valueOf).toList();
  }
}
