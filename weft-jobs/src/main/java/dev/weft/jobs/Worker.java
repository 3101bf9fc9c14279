package dev.weft.jobs;

import dev.weft.jobs.spi.Finish;
import dev.weft.jobs.spi.JobStore;
import dev.weft.observe.Listener;
import dev.weft.observe.WeftThreads;
import dev.weft.policy.Backoff;
import dev.weft.time.TimeSource;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Runs the jobs of one queue with handlers chosen by kind, up to {@code concurrency} at once, each
 * on its own virtual thread, under fenced leases renewed by heartbeat. Build one with {@link
 * JobQueue#worker(String)}; {@link #close()} stops it gracefully.
 *
 * <p>Thread-safe. Delivery is at-least-once: see {@link JobQueue}.
 *
 * {@snippet :
 * try (Worker w = jobs.worker("mail")
 *     .handler("welcome", ctx -> { send(ctx.payload(Welcome.class)); return JobOutcome.success(); })
 *     .concurrency(16)
 *     .start()) {
 *   w.join();   // until another thread closes it, or the JVM shuts down
 * }
 * }
 *
 * <p>Overview for maintainers. Three threads besides the handlers' own. The <em>claimer</em> claims
 * as many jobs as there are free slots in one statement, starts a virtual thread per job, and
 * otherwise parks until a slot frees, the store signals new jobs (NOTIFY or in-process), or the
 * poll interval passes. A finished handler settles its {@link HeldJob} (a CAS, so exactly one of
 * handler, lease-loss and shutdown decides the job's fate), frees its slot at once and queues its
 * {@link Finish}; the <em>flusher</em> writes every queued finish in one transaction (batched
 * completion) and only then forgets the job, so heartbeats keep renewing it until it is written.
 * The <em>heart</em> runs the {@link LeaseKeeper}: it renews every lease in one statement,
 * interrupts handlers whose lease was lost, records the worker's heartbeat and runs the rescuer
 * over expired leases of any worker. Store failures are reported as events and retried after the
 * poll interval; the worker never dies of a database outage. No lock is held while a handler runs.
 */
public final class Worker implements AutoCloseable {

  private final JobStore store;
  private final TimeSource time;
  private final String queueName;
  private final Map<String, JobHandler> handlers;
  private final int concurrency;
  private final Duration lease;
  private final Duration heartbeat;
  private final Duration poll;
  private final Duration grace;
  private final Outcomes outcomes;
  private final Listener listener;
  private final String id;
  private final int claimBatch;
  private final Instant startedAt;
  private final ThreadFactory jobThreads;

  private final Map<Long, HeldJob> held = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private volatile boolean stopped;
  private volatile boolean claimSignal;
  private volatile boolean flushSignal;
  private final Thread claimer;
  private final Thread flusher;
  private final Thread heart;
  private final LeaseKeeper leases;
  private final @Nullable Thread hook;
  private final AutoCloseable subscription;

  private Worker(Builder b) {
    this.store = b.queue.store();
    this.time = b.queue.time();
    this.queueName = b.queueName;
    this.handlers = Map.copyOf(b.handlers);
    this.concurrency = b.concurrency;
    this.lease = b.lease;
    this.heartbeat = b.heartbeat == null ? b.lease.dividedBy(3) : b.heartbeat;
    this.poll = b.poll;
    this.grace = b.grace;
    this.outcomes = new Outcomes(time, b.backoff, b.random);
    this.listener = b.listener;
    this.id = b.id == null ? defaultId() : b.id;
    this.claimBatch = Math.max(1, concurrency / 4);
    this.startedAt = time.wallTime();
    this.jobThreads = WeftThreads.virtual("weft-job-" + queueName);
    this.claimer = WeftThreads.virtual("weft-worker-" + id + "-claim").newThread(this::claimLoop);
    this.flusher = WeftThreads.virtual("weft-worker-" + id + "-flush").newThread(this::flushLoop);
    this.heart = WeftThreads.virtual("weft-worker-" + id + "-heart").newThread(this::heartLoop);
    this.leases = new LeaseKeeper(store, time, lease, outcomes, listener, id, held, this::info);
    this.subscription = store.subscribe(queueName, this::wakeClaimer);
    this.hook = b.shutdownHook ? new Thread(this::close, "weft-worker-" + id + "-shutdown") : null;
  }

  private static String defaultId() {
    return host()
        + "-"
        + ProcessHandle.current().pid()
        + "-"
        + UUID.randomUUID().toString().substring(0, 4);
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException | SecurityException e) {
      return "unknown-host";
    }
  }

  private Worker start() {
    try {
      store.heartbeat(info());
    } catch (JobStoreException e) {
      emitStoreFailure("record the first heartbeat", e);
    }
    flusher.start();
    heart.start();
    claimer.start();
    if (hook != null) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    return this;
  }

  /** {@return this worker's id, unique per process run} */
  public String id() {
    return id;
  }

  /** {@return how many handlers are running now} */
  public int running() {
    return running.get();
  }

  private WorkerInfo info() {
    return new WorkerInfo(id, queueName, host(), concurrency, startedAt, time.wallTime());
  }

  // ---- claiming ---------------------------------------------------------------------------

  private void wakeClaimer() {
    claimSignal = true;
    LockSupport.unpark(claimer);
  }

  private void claimLoop() {
    boolean polled = true;
    while (!stopping) {
      // slots free now, but never more than `concurrency` outcomes waiting to be written: when the
      // database cannot take them, the worker stops claiming instead of piling up leases
      int free = Math.min(concurrency - running.get(), 2 * concurrency - held.size());
      if (free >= claimBatch || (free > 0 && (claimSignal || polled))) {
        claimSignal = false;
        polled = false;
        List<Job> jobs;
        Instant asked = time.wallTime();
        try {
          jobs = store.claim(queueName, id, free, lease, asked);
        } catch (RuntimeException e) {
          emitStoreFailure("claim jobs", e);
          parkUntilSignal(poll, () -> stopping);
          continue;
        }
        if (!jobs.isEmpty() && !listener.isNone()) {
          Listener.emit(listener, new JobEvent.Claimed(id, jobs.size()));
        }
        if (!jobs.isEmpty()) {
          Instant answered = time.wallTime();
          // the wall clock may step back between the two readings
          hold(
              jobs,
              new JobContext.Claim(
                  asked,
                  answered.isBefore(asked) ? asked : answered,
                  jobs.getFirst().id(),
                  jobs.size()));
        }
        if (jobs.size() == free) {
          continue; // more may be due: claim again as soon as enough slots are free
        }
        waiters.forEach(LockSupport::unpark); // the queue may be drained
      }
      // wake for a signal only when a slot is free: with every slot busy a pending signal must
      // not turn this loop into a spin that starves the handlers' carrier threads
      parkUntilSignal(
          poll,
          () ->
              stopping
                  || (claimSignal && running.get() < concurrency && held.size() < 2 * concurrency));
      polled = !claimSignal;
    }
  }

  /** Starts a handler thread for each of {@code jobs}, taken by {@code claim}. */
  private void hold(List<Job> jobs, JobContext.Claim claim) {
    for (Job job : jobs) {
      HeldJob h = new HeldJob(job, claim);
      held.put(job.id(), h);
      running.incrementAndGet();
      Thread t = jobThreads.newThread(() -> runJob(h));
      h.thread = t;
      t.start();
    }
  }

  /** Parks the current thread until {@code done} holds or {@code max} passes on the time source. */
  private void parkUntilSignal(Duration max, java.util.function.BooleanSupplier done) {
    long until = time.readAfter(max);
    while (!done.getAsBoolean() && time.read() - until < 0) {
      time.parkUntil(until);
    }
  }

  // ---- running ----------------------------------------------------------------------------

  private record Pending(Finish finish, String kind, int attempt) {}

  private void runJob(HeldJob a) {
    Job job = a.job;
    Instant started = time.wallTime();
    Finish f;
    try {
      JobHandler h = handlers.get(job.kind());
      if (h == null) {
        f =
            outcomes.dead(
                job,
                "UnknownKind",
                "worker "
                    + id
                    + " has no handler for kind '"
                    + job.kind()
                    + "' of job "
                    + job.id()
                    + "; it knows "
                    + new TreeSet<>(handlers.keySet()),
                "",
                started);
      } else {
        f = outcomes.of(job, h.handle(a), started);
      }
    } catch (UnreadablePayloadException e) {
      f =
          outcomes.dead(
              job,
              e.getClass().getName(),
              String.valueOf(e.getMessage()),
              Outcomes.trace(e),
              started);
    } catch (InterruptedException e) {
      f = outcomes.failed(job, e, null, started);
    } catch (Exception e) {
      f = outcomes.failed(job, e, null, started);
    } finally {
      // wake the claimer once a quarter of the slots are free, so claims come in batches
      if (concurrency - running.decrementAndGet() >= claimBatch) {
        wakeClaimer();
      }
    }
    if (a.settle()) {
      String progress = a.newProgress();
      if (progress != null) {
        f = f.withProgress(progress);
      }
      pending.add(new Pending(f, job.kind(), job.attempt()));
      flushSignal = true;
      LockSupport.unpark(flusher);
    }
  }

  // ---- flushing ---------------------------------------------------------------------------

  private void flushLoop() {
    while (true) {
      flushSignal = false;
      List<Pending> batch = new ArrayList<>();
      for (Pending p; (p = pending.poll()) != null; ) {
        batch.add(p);
      }
      if (batch.isEmpty()) {
        if (stopped) {
          return;
        }
        parkUntilSignal(poll, () -> flushSignal || stopped);
        continue;
      }
      if (!write(batch)) {
        pending.addAll(batch);
        parkUntilSignal(poll, () -> false);
      }
    }
  }

  /** Writes finishes in one transaction; {@return false if the store failed} */
  private boolean write(List<Pending> batch) {
    List<Finish> finishes = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      finishes.add(p.finish());
    }
    Set<Long> applied;
    try {
      applied = store.finish(finishes, time.wallTime());
    } catch (RuntimeException e) {
      emitStoreFailure("write " + batch.size() + " job outcomes", e);
      return false;
    }
    for (Pending p : batch) {
      held.remove(p.finish().id());
      if (!listener.isNone()) {
        Listener.emit(
            listener,
            new JobEvent.Finished(
                id,
                p.finish().id(),
                p.kind(),
                p.finish().to(),
                p.attempt(),
                applied.contains(p.finish().id())));
      }
    }
    return true;
  }

  // ---- heartbeat and rescue ---------------------------------------------------------------

  private void heartLoop() {
    while (!stopped) {
      parkUntilSignal(heartbeat, () -> stopped);
      if (stopped) {
        return;
      }
      try {
        leases.beat();
      } catch (RuntimeException e) {
        emitStoreFailure("renew leases and rescue", e);
      }
    }
  }

  private void emitStoreFailure(String operation, RuntimeException e) {
    if (!listener.isNone()) {
      Listener.emit(
          listener, new JobEvent.StoreFailed(id, operation, String.valueOf(e.getMessage())));
    }
  }

  // ---- waiting and stopping ---------------------------------------------------------------

  /**
   * Waits until the queue holds no job that is due, waiting, retrying or running (as counted in the
   * store, so jobs of other workers count too).
   *
   * @return {@code true} when drained, {@code false} when {@code timeout} passed first
   * @throws InterruptedException if interrupted while waiting (flag cleared)
   */
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    long end = time.readAfter(timeout);
    Thread me = Thread.currentThread();
    waiters.add(me);
    try {
      while (true) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (drained()) {
          return true;
        }
        if (time.read() - end >= 0) {
          return false;
        }
        long next = Math.min(end, time.readAfter(poll));
        time.parkUntil(next);
      }
    } finally {
      waiters.remove(me);
    }
  }

  private boolean drained() {
    try {
      return !store.hasUnfinished(queueName);
    } catch (JobStoreException e) {
      return false;
    }
  }

  /**
   * Blocks until the worker is closed (by another thread or the shutdown hook).
   *
   * @throws InterruptedException if interrupted while waiting (flag cleared)
   */
  public void join() throws InterruptedException {
    heart.join();
  }

  /**
   * Stops gracefully: stops claiming, lets running handlers finish within the grace period, then
   * interrupts the rest and releases their leases (without counting the attempt) so another worker
   * takes them at once, writes every pending outcome and leaves the worker list. Idempotent;
   * returns when done. An interrupt while closing is kept (flag set) and shortens the grace period.
   */
  @Override
  public void close() {
    close(grace);
  }

  /**
   * As {@link #close()}, letting running handlers finish within {@code grace} instead of the
   * builder's {@linkplain Builder#shutdownGrace(Duration) shutdown grace}: for an owner that knows
   * at the moment of closing whether its handlers are about to return or should go back to the
   * queue at once.
   *
   * @param grace how long running handlers may take to finish; zero releases them at once
   * @throws IllegalArgumentException if {@code grace} is negative
   */
  public void close(Duration grace) {
    notNegative("grace", grace);
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stopping = true;
    LockSupport.unpark(claimer);
    boolean interrupted = joinQuietly(claimer);
    long end = time.readAfter(grace);
    Thread me = Thread.currentThread();
    waiters.add(me);
    while (!interrupted && running.get() > 0 && time.read() - end < 0) {
      time.parkUntil(Math.min(end, time.readAfter(poll)));
      interrupted = Thread.interrupted();
    }
    waiters.remove(me);
    List<Finish> releases = new ArrayList<>();
    for (HeldJob a : List.copyOf(held.values())) {
      if (a.takeAway()) {
        held.remove(a.job.id());
        Job job = a.job;
        releases.add(
            new Finish(
                job.id(),
                Outcomes.token(job),
                JobState.AVAILABLE,
                time.wallTime(),
                job.attempt() - 1,
                job.errors(),
                null));
      }
    }
    stopped = true;
    LockSupport.unpark(flusher);
    LockSupport.unpark(heart);
    interrupted |= joinQuietly(flusher);
    interrupted |= joinQuietly(heart);
    try {
      store.finish(releases, time.wallTime());
      store.removeWorker(id);
      if (!releases.isEmpty()) {
        store.wake(queueName); // the released jobs are due now: wake the queue's other workers
      }
    } catch (JobStoreException e) {
      emitStoreFailure("release leases on close", e);
    }
    try {
      subscription.close();
    } catch (Exception e) {
      emitStoreFailure("unsubscribe", new JobStoreException(String.valueOf(e.getMessage()), e));
    }
    if (hook != null && !Thread.currentThread().equals(hook)) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already running hooks
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static Duration notNegative(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + d);
    }
    return d;
  }

  private static boolean joinQuietly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  /**
   * Builds a {@link Worker}; every setter validates at once. Not thread-safe; {@link #start()}
   * returns a running worker.
   */
  public static final class Builder {
    private final JobQueue queue;
    private final String queueName;
    private final Map<String, JobHandler> handlers = new HashMap<>();
    private int concurrency = 10;
    private Duration lease = Duration.ofSeconds(30);
    private @Nullable Duration heartbeat;
    private Duration poll = Duration.ofSeconds(1);
    private Duration grace = Duration.ofSeconds(10);
    private Backoff backoff =
        Backoff.exponential(Duration.ofSeconds(1), 2.0).max(Duration.ofHours(1)).equalJitter();
    private RandomGenerator random = Backoff.jitter();
    private Listener listener = Listener.none();
    private @Nullable String id;
    private boolean shutdownHook;

    Builder(JobQueue queue, String queueName) {
      this.queue = Objects.requireNonNull(queue, "queue");
      Objects.requireNonNull(queueName, "queueName");
      if (queueName.isEmpty()) {
        throw new IllegalArgumentException("queue must not be empty");
      }
      this.queueName = queueName;
    }

    /** Runs jobs of {@code kind} with {@code handler}. */
    public Builder handler(String kind, JobHandler handler) {
      Objects.requireNonNull(kind, "kind");
      handlers.put(kind, Objects.requireNonNull(handler, "handler"));
      return this;
    }

    /** How many jobs run at once in this worker; default 10. */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** How long a claim holds without renewal; default 30 s; heartbeats renew it every third. */
    public Builder lease(Duration lease) {
      this.lease = positive("lease", lease);
      return this;
    }

    /** How often leases are renewed and expired ones rescued; default a third of the lease. */
    public Builder heartbeat(Duration heartbeat) {
      this.heartbeat = positive("heartbeat", heartbeat);
      return this;
    }

    /** How often to look for due jobs without a wake-up; default 1 s. */
    public Builder pollInterval(Duration poll) {
      this.poll = positive("pollInterval", poll);
      return this;
    }

    /** How long {@link Worker#close()} lets running jobs finish; default 10 s. */
    public Builder shutdownGrace(Duration grace) {
      this.grace = notNegative("shutdownGrace", grace);
      return this;
    }

    /** The delays between failed attempts; default exponential from 1 s, x2, max 1 h, jittered. */
    public Builder backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * The random source of backoff jitter, drawn from every handler thread: it must be thread-safe.
     * Default {@link Backoff#jitter()}.
     */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Receives {@link JobEvent}s. */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The worker's id; default host, pid and a random suffix. */
    public Builder id(String id) {
      Objects.requireNonNull(id, "id");
      if (id.isEmpty()) {
        throw new IllegalArgumentException("id must not be empty");
      }
      this.id = id;
      return this;
    }

    /** Whether a JVM shutdown hook closes the worker gracefully; default false. */
    public Builder shutdownHook(boolean shutdownHook) {
      this.shutdownHook = shutdownHook;
      return this;
    }

    /**
     * {@return a running worker}
     *
     * @throws IllegalStateException if no handler was given, or the heartbeat is not shorter than
     *     the lease
     */
    public Worker start() {
      if (handlers.isEmpty()) {
        throw new IllegalStateException("a worker needs at least one handler");
      }
      Duration hb = heartbeat == null ? lease.dividedBy(3) : heartbeat;
      if (hb.compareTo(lease) >= 0) {
        throw new IllegalStateException(
            "heartbeat must be shorter than lease (" + lease + "), was " + hb);
      }
      return new Worker(this).start();
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, was " + d);
      }
      return d;
    }
  }
}
