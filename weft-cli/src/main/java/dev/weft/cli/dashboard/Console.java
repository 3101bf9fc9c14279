package dev.weft.cli.dashboard;

import dev.weft.jobs.Job;
import dev.weft.jobs.JobError;
import dev.weft.jobs.JobFilter;
import dev.weft.jobs.JobPage;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.QueueLimits;
import dev.weft.jobs.Throughput;
import dev.weft.jobs.WorkerInfo;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the dashboard shows and does, independent of HTTP: each page's data as plain maps and lists
 * (the JSON of {@code /api/...}, and what the HTML is rendered from), and the actions, each one
 * call of {@link JobQueue} (the store's fenced transitions; nothing here writes SQL). Thread-safe:
 * it holds no state of its own beyond the queue and the run file.
 */
final class Console {

  /** A worker whose last heartbeat is older than this is shown as dead. */
  static final Duration DEAD_AFTER = Duration.ofSeconds(60);

  /** The most dead jobs one "retry all matching" or "discard all matching" touches. */
  static final int MAX_BULK = 10_000;

  private static final Pattern DEFAULT_WORKER_ID = Pattern.compile("^(.+)-(\\d+)-[0-9a-f]{4}$");

  private final @Nullable JobQueue queue;
  private final @Nullable RunFile runs;
  private final String source;

  Console(@Nullable JobQueue queue, @Nullable RunFile runs, String source) {
    this.queue = queue;
    this.runs = runs;
    this.source = source;
  }

  String source() {
    return source;
  }

  boolean hasQueue() {
    return queue != null;
  }

  boolean hasRuns() {
    return runs != null;
  }

  JobQueue queue() {
    JobQueue q = queue;
    if (q == null) {
      throw PageError.notFound(
          source + " holds no job queue (it is the state of weft run; see the overview)");
    }
    return q;
  }

  RunFile runFile() {
    RunFile r = runs;
    if (r == null) {
      throw PageError.notFound(source + " holds no runs of weft run");
    }
    return r;
  }

  Instant now() {
    return queue().time().wallTime();
  }

  /** How long the list of queue names is reused: it only grows when a new queue appears. */
  static final Duration NAMES_FOR = Duration.ofSeconds(5);

  private volatile @Nullable Names names;

  private record Names(List<String> names, long until) {}

  /**
   * {@return the names of every queue that has jobs, is paused, or has a worker} Read at most once
   * every {@link #NAMES_FOR} (counting every job's state is the dearest read of a page).
   */
  List<String> queueNames() {
    JobQueue q = queue;
    if (q == null) {
      return List.of();
    }
    long now = q.time().read();
    Names cached = names;
    if (cached != null && now - cached.until() < 0) {
      return cached.names();
    }
    List<String> fresh = readQueueNames(q);
    names = new Names(fresh, q.time().readAfter(NAMES_FOR));
    return fresh;
  }

  /** {@return the queues of fresh counts and pauses, with those only workers name} */
  private java.util.Set<String> names(Map<String, ?> counts, Map<String, ?> paused) {
    TreeSet<String> out = new TreeSet<>(counts.keySet());
    out.addAll(paused.keySet());
    out.addAll(queueNames());
    return out;
  }

  private static List<String> readQueueNames(JobQueue queue) {
    TreeSet<String> names = new TreeSet<>(queue.counts().keySet());
    names.addAll(queue.paused().keySet());
    for (WorkerInfo w : queue.workers()) {
      names.add(w.queue());
    }
    return List.copyOf(names);
  }

  // ---- overview ---------------------------------------------------------------------------

  Map<String, Object> overview(Instant now) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("source", source);
    out.put("now", now.toString());
    List<Object> qs = new ArrayList<>();
    List<Object> tp = new ArrayList<>();
    if (queue != null) {
      Map<String, Map<JobState, Long>> counts = queue.counts();
      Map<String, Instant> paused = queue.paused();
      for (String name : names(counts, paused)) {
        qs.add(queueSummary(name, counts.getOrDefault(name, Map.of()), paused.get(name)));
      }
      for (Throughput t : queue.throughput(Duration.ofHours(1))) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queue", t.queue());
        m.put("minute", t.minute().toString());
        m.put("succeeded", t.succeeded());
        m.put("failed", t.failed());
        tp.add(m);
      }
    }
    out.put("queues", qs);
    out.put("throughput", tp);
    List<Object> rs = new ArrayList<>();
    if (runs != null) {
      for (RunFile.Run r : runs.runs()) {
        rs.add(run(r));
      }
    }
    out.put("runs", rs);
    return out;
  }

  private Map<String, Object> queueSummary(
      String name, Map<JobState, Long> counts, @Nullable Instant pausedAt) {
    JobQueue q = queue();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("paused", pausedAt != null);
    m.put("pausedAt", pausedAt == null ? null : pausedAt.toString());
    Map<String, Long> byState = new LinkedHashMap<>();
    for (JobState s : JobState.values()) {
      byState.put(Html.lower(s), counts.getOrDefault(s, 0L));
    }
    m.put("counts", byState);
    m.put("running", counts.getOrDefault(JobState.RUNNING, 0L));
    Optional<QueueLimits> limits = q.limits(name);
    m.put("limits", limits.map(Console::limits).orElse(null));
    m.put("maxRunning", limits.map(QueueLimits::maxRunning).orElse(null));
    Optional<Duration> age = q.oldestDueAge(name);
    m.put("oldestDueSeconds", age.map(d -> d.toMillis() / 1000.0).orElse(null));
    return m;
  }

  static Map<String, Object> limits(QueueLimits l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("maxRunning", l.maxRunning());
    m.put("perSecond", l.perSecond());
    m.put("burst", l.burst());
    m.put("keyPerSecond", l.keyPerSecond());
    m.put("keyBurst", l.keyBurst());
    return m;
  }

  static Map<String, Object> run(RunFile.Run r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", r.key());
    m.put("command", r.command());
    m.put("status", r.status());
    m.put("started", r.started());
    m.put("updated", r.updated());
    m.put("done", r.done());
    m.put("ok", r.ok());
    m.put("failed", r.failed());
    m.put("attempts", r.attempts());
    m.put("meanMillis", r.meanMillis());
    m.put("total", r.total() >= 0 ? r.total() : null);
    m.put("etaSeconds", eta(r));
    m.put("replayable", r.argv() != null && r.cwd() != null);
    return m;
  }

  /**
   * {@return the seconds a running run of known size still needs at the pace of its current start
   * (jobs finished since it started, over the time since), or null when not known}
   */
  static @Nullable Long eta(RunFile.Run r) {
    if (!r.status().equals("running") || r.total() < 0 || r.doneSinceUpdated() == 0) {
      return null;
    }
    long left = Math.max(0, r.total() - r.done());
    long ms;
    try {
      ms = Duration.between(Instant.parse(r.updated()), TimeSource.system().wallTime()).toMillis();
    } catch (DateTimeParseException e) {
      return null;
    }
    return Math.max(0, ms) * left / r.doneSinceUpdated() / 1000;
  }

  /**
   * Starts run {@code key} again with {@code --resume-failed} in the folder it ran in: a child weft
   * from this dashboard's own class path that skips the jobs that succeeded, so only the failed
   * ones run again, recorded in the same run. Its output goes to {@code FILE.retry-KEY.log} beside
   * the state file.
   *
   * @return what was started
   * @throws PageError 404 for an unknown run; 409 when it has no failed job, cannot be started
   *     again (its input was stdin, or an older weft recorded it), or is running now
   */
  String retryRun(String key) {
    RunFile file = runFile();
    RunFile.Run r =
        file.run(key).orElseThrow(() -> PageError.notFound("no run '" + key + "' recorded"));
    List<String> argv = r.argv();
    String cwd = r.cwd();
    if (r.failed() == 0) {
      throw new PageError(409, "run '" + r.command() + "' has no failed job to run again");
    }
    if (argv == null || cwd == null) {
      throw new PageError(
          409,
          "run '"
              + r.command()
              + "' cannot be started from here (its input was stdin, or an older weft recorded"
              + " it): repeat its command with --resume-failed");
    }
    if (file.isRunning(key)) {
      throw new PageError(409, "run '" + r.command() + "' is running now; wait for it to end");
    }
    Path state = file.file().toAbsolutePath();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.weft.cli.Main");
    cmd.add(argv.getFirst());
    cmd.addAll(List.of("--state", state.toString(), "--resume-failed"));
    cmd.addAll(argv.subList(1, argv.size()));
    Path log =
        state.resolveSibling(
            state.getFileName()
                + ".retry-"
                + key.substring(0, Math.min(12, key.length()))
                + ".log");
    try {
      Process child =
          new ProcessBuilder(cmd)
              .directory(Path.of(cwd).toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      child.getOutputStream().close(); // its input is its arguments: stdin at its end
      return "started the "
          + r.failed()
          + " failed jobs of '"
          + r.command().lines().findFirst().orElse("")
          + "' again (pid "
          + child.pid()
          + "); its output goes to "
          + log;
    } catch (IOException e) {
      throw new PageError(409, "cannot start weft again in " + cwd + ": " + e.getMessage());
    }
  }

  Map<String, Object> runPage(String key) {
    RunFile.Run r =
        runFile().run(key).orElseThrow(() -> PageError.notFound("no run '" + key + "' recorded"));
    Map<String, Object> out = run(r);
    List<Object> fs = new ArrayList<>();
    for (RunFile.Failure f : runFile().failures(key, 500)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seq", f.seq());
      m.put("args", f.args());
      m.put("exit", f.exit());
      m.put("attempts", f.attempts());
      m.put("millis", f.millis());
      m.put("at", f.at());
      fs.add(m);
    }
    out.put("failures", fs);
    return out;
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** The parsed filter of the jobs and dead-letter pages. */
  record Filter(
      String queue,
      @Nullable JobState state,
      @Nullable String kind,
      @Nullable String key,
      @Nullable String text,
      @Nullable Long before,
      int limit) {

    JobFilter toJobFilter() {
      return new JobFilter(queue, state, kind, key, text, before, limit);
    }
  }

  Filter filter(Request req, @Nullable JobState forced) {
    List<String> names = queueNames();
    String q = req.get("queue");
    if (q == null) {
      q = names.isEmpty() ? "default" : names.getFirst();
    }
    return new Filter(
        q,
        forced != null ? forced : req.state("state"),
        req.get("kind"),
        req.get("key"),
        req.get("text"),
        req.id("before"),
        req.intIn("limit", 1, 500, 50));
  }

  Map<String, Object> jobs(Filter f) {
    JobPage page = queue().find(f.toJobFilter());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("queue", f.queue());
    out.put("state", f.state() == null ? null : Html.lower(f.state()));
    out.put("kind", f.kind());
    out.put("key", f.key());
    out.put("text", f.text());
    out.put("before", f.before());
    out.put("limit", f.limit());
    List<Object> js = new ArrayList<>();
    for (Job j : page.jobs()) {
      js.add(jobSummary(j));
    }
    out.put("jobs", js);
    out.put("next", page.next());
    out.put("queues", queueNames());
    return out;
  }

  static Map<String, Object> jobSummary(Job j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", j.id());
    m.put("queue", j.queue());
    m.put("kind", j.kind());
    m.put("state", Html.lower(j.state()));
    m.put("attempt", j.attempt());
    m.put("maxAttempts", j.maxAttempts());
    m.put("uniqueKey", j.uniqueKey());
    m.put("runAt", j.runAt().toString());
    m.put("createdAt", j.createdAt().toString());
    m.put("finishedAt", j.finishedAt() == null ? null : j.finishedAt().toString());
    m.put("reason", j.reason());
    m.put("lastError", j.errors().isEmpty() ? null : j.errors().getLast().message());
    return m;
  }

  Map<String, Object> job(long id) {
    Job j = queue().job(id).orElseThrow(() -> PageError.notFound("no job " + id));
    Map<String, Object> m = jobSummary(j);
    m.put("payload", j.payload());
    m.put("priority", j.priority());
    m.put("tags", j.tags());
    m.put("progress", j.progress());
    m.put("rateKey", j.rateKey());
    m.put("workerId", j.workerId());
    m.put("leaseExpiresAt", j.leaseExpiresAt() == null ? null : j.leaseExpiresAt().toString());
    m.put("parents", j.parents());
    m.put("children", queue().children(id));
    List<Object> errors = new ArrayList<>();
    for (JobError e : j.errors()) {
      Map<String, Object> em = new LinkedHashMap<>();
      em.put("attempt", e.attempt());
      em.put("at", e.at().toString());
      em.put("tookMillis", e.took() == null ? null : e.took().toMillis());
      em.put("type", e.type());
      em.put("message", e.message());
      em.put("trace", e.trace());
      errors.add(em);
    }
    m.put("errors", errors);
    List<Map<String, Object>> timeline = new ArrayList<>();
    timeline.add(event(j.createdAt(), "enqueued"));
    for (JobError e : j.errors()) {
      timeline.add(event(e.at(), "attempt " + e.attempt() + " failed: " + e.type()));
    }
    if (j.state() == JobState.RUNNING && j.workerId() != null) {
      timeline.add(event(j.runAt(), "attempt " + j.attempt() + " running on " + j.workerId()));
    }
    if (j.finishedAt() != null) {
      timeline.add(event(j.finishedAt(), Html.lower(j.state())));
    }
    timeline.sort((a, b) -> String.valueOf(a.get("at")).compareTo(String.valueOf(b.get("at"))));
    m.put("timeline", timeline);
    return m;
  }

  private static Map<String, Object> event(Instant at, String what) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at", at.toString());
    m.put("what", what);
    return m;
  }

  // ---- workers and queues -----------------------------------------------------------------

  Map<String, Object> workers(Instant now) {
    JobQueue q = queue();
    Map<String, Long> held = q.held();
    List<Object> ws = new ArrayList<>();
    for (WorkerInfo w : q.workers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", w.id());
      m.put("queue", w.queue());
      m.put("host", w.host());
      Matcher pid = DEFAULT_WORKER_ID.matcher(w.id());
      m.put("pid", pid.matches() ? Long.valueOf(pid.group(2)) : null);
      m.put("concurrency", w.concurrency());
      m.put("startedAt", w.startedAt().toString());
      m.put("heartbeatAt", w.heartbeatAt().toString());
      Duration since = Duration.between(w.heartbeatAt(), now);
      m.put("heartbeatAgeSeconds", since.toMillis() / 1000.0);
      m.put("held", held.getOrDefault(w.id(), 0L));
      m.put("dead", since.compareTo(DEAD_AFTER) > 0);
      ws.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("deadAfterSeconds", DEAD_AFTER.toSeconds());
    out.put("workers", ws);
    return out;
  }

  Map<String, Object> queues() {
    JobQueue q = queue();
    Map<String, Map<JobState, Long>> counts = q.counts();
    Map<String, Instant> paused = q.paused();
    List<Object> qs = new ArrayList<>();
    for (String name : names(counts, paused)) {
      qs.add(queueSummary(name, counts.getOrDefault(name, Map.of()), paused.get(name)));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("queues", qs);
    return out;
  }

  // ---- actions ----------------------------------------------------------------------------

  /** Retries dead or cancelled job {@code id}; a job in another state is a stale action (409). */
  String retry(String queueName, long id) {
    JobQueue q = queue();
    if (q.retry(queueName, id)) {
      return "job " + id + " is available again";
    }
    throw stale(q, queueName, id, "retried", "it is not dead or cancelled");
  }

  /** Discards dead job {@code id}; a job in another state is a stale action (409). */
  String discard(String queueName, long id) {
    JobQueue q = queue();
    if (q.discard(queueName, id)) {
      return "job " + id + " was discarded";
    }
    throw stale(q, queueName, id, "discarded", "it is not dead");
  }

  private static PageError stale(JobQueue q, String queueName, long id, String verb, String why) {
    Optional<Job> now = q.job(id);
    if (now.isEmpty()) {
      return PageError.notFound("job " + id + " cannot be " + verb + ": it no longer exists");
    }
    if (!now.get().queue().equals(queueName)) {
      return PageError.notFound("job " + id + " is not in queue '" + queueName + "'");
    }
    return PageError.conflict(
        "job "
            + id
            + " cannot be "
            + verb
            + ": "
            + why
            + " any more (it is "
            + Html.lower(now.get().state())
            + ")");
  }

  /** {@return how many dead jobs match {@code f}, up to {@link #MAX_BULK}} */
  List<Long> matchingDead(Filter f) {
    List<Long> ids = new ArrayList<>();
    Long before = f.before();
    while (ids.size() < MAX_BULK) {
      JobPage page =
          queue()
              .find(
                  new JobFilter(
                      f.queue(), JobState.DEAD, f.kind(), f.key(), f.text(), before, 500));
      for (Job j : page.jobs()) {
        ids.add(j.id());
      }
      before = page.next();
      if (before == null) {
        break;
      }
    }
    return ids.size() > MAX_BULK ? ids.subList(0, MAX_BULK) : ids;
  }

  /** Retries every dead job matching {@code f}, each by its own fenced move. */
  String retryAll(Filter f) {
    if (f.kind() == null && f.key() == null && f.text() == null && f.before() == null) {
      int n = queue().retryAllDead(f.queue());
      return n + " dead jobs of queue '" + f.queue() + "' are available again";
    }
    int n = 0;
    for (long id : matchingDead(f)) {
      n += queue().retry(f.queue(), id) ? 1 : 0;
    }
    return n + " matching dead jobs of queue '" + f.queue() + "' are available again";
  }

  /** Discards every dead job matching {@code f}. */
  String discardAll(Filter f) {
    if (f.kind() == null && f.key() == null && f.text() == null && f.before() == null) {
      int n = queue().discardAllDead(f.queue());
      return n + " dead jobs of queue '" + f.queue() + "' were discarded";
    }
    int n = 0;
    for (long id : matchingDead(f)) {
      n += queue().discard(f.queue(), id) ? 1 : 0;
    }
    return n + " matching dead jobs of queue '" + f.queue() + "' were discarded";
  }

  String pause(String name) {
    queue().pause(name);
    return "queue '" + name + "' is paused: no worker claims from it";
  }

  String resume(String name) {
    queue().resume(name);
    return "queue '" + name + "' is running again";
  }

  /** Sets (or, with every field blank, clears) the global limits of queue {@code name}. */
  String limits(String name, Request req) {
    Integer maxRunning =
        req.get("maxRunning") == null ? null : req.intIn("maxRunning", 1, 1_000_000, 1);
    Double perSecond = req.positive("perSecond");
    int burst = req.intIn("burst", 1, 1_000_000, 1);
    Double keyPerSecond = req.positive("keyPerSecond");
    int keyBurst = req.intIn("keyBurst", 1, 1_000_000, 1);
    if (maxRunning == null && perSecond == null && keyPerSecond == null) {
      queue().clearLimits(name);
      return "queue '" + name + "' has no global limits now";
    }
    QueueLimits l;
    try {
      l = new QueueLimits(maxRunning, perSecond, burst, keyPerSecond, keyBurst);
    } catch (IllegalArgumentException e) {
      throw PageError.badRequest(String.valueOf(e.getMessage()));
    }
    queue().limits(name, l);
    return "queue '" + name + "' limits saved; workers apply them at their next claim";
  }
}
