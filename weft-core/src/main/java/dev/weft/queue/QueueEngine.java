package dev.weft.queue;

import dev.weft.observe.Listener;
import dev.weft.observe.WeftThreads;
import dev.weft.task.CancellationToken;
import dev.weft.task.TaskContext;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The machinery behind {@link TaskQueue}: the lock, the waiting and running tasks, the workers,
 * pausing, idling and shutting down. Each method does what the {@code TaskQueue} method of the same
 * name documents. Thread-safe.
 *
 * <p>Overview for maintainers. One lock guards the priority deques, the counts, the running list,
 * {@code paused}, {@code closed}, the parked idle waiters and each entry's {@code status}/{@code
 * thread}/{@code cancelRequested}. Workers are started on demand, one per waiting task up to {@code
 * concurrency}; a worker loops, taking the next entry under the lock and running it without the
 * lock (user code never runs under the lock), and ends when it finds nothing to start (after
 * lingering for a few yields, see {@link #work()}), so an idle queue holds no thread. To keep the
 * per-task cost near a plain thread pool's, a worker publishes the end of one task and takes the
 * next in the same lock hold (unless the end must be reported first: an event or a dead letter),
 * the entry is the only allocation of a submission, and the clock is read per task only when a
 * listener wants durations. A cancel interrupts the entry's thread under the lock, and the worker
 * clears that thread (under the lock) and the interrupt flag after the task, so a stray interrupt
 * never reaches the next task of a pooled thread. Invariants: {@code queued == sum of deque sizes
 * <= capacity}; {@code running == length of the running list <= workers <= concurrency}. Timed
 * waits ({@link #awaitIdle(Duration)}, {@link #shutdown(Duration)}) park on the time source and are
 * in {@code idleParkers}, which the queue unparks whenever it becomes idle. The attempts themselves
 * (timeout, retry, policy) are {@link AttemptRunner}'s; the rate behind the ETA is {@link
 * RateMeter}'s.
 */
final class QueueEngine {

  private static final System.Logger LOG = System.getLogger("dev.weft.queue");

  /**
   * How many times a worker that found the queue empty yields, watching for a task, before it ends.
   */
  private static final int LINGER_YIELDS = 16;

  private static final VarHandle QUEUED;

  static {
    try {
      QUEUED = MethodHandles.lookup().findVarHandle(QueueEngine.class, "queued", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final int concurrency;
  private final int capacity;
  private final int resumeAt; // blocked submitters are woken when the queue drains to this
  private final Overflow overflow;
  private final Consumer<DeadLetter> deadLetter;
  private final Listener listener;
  private final TimeSource time;
  private final Executor executor;
  private final AttemptRunner attempts;
  private final Runnable worker = this::work;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition idle = lock.newCondition();
  private final Condition noWorkers = lock.newCondition();

  private final ArrayDeque<Entry<?>>[] waiting = newDeques(Priority.values().length);
  private final List<Thread> idleParkers = new ArrayList<>(); // guarded by lock
  private final RateMeter rate; // guarded by lock

  private @Nullable Entry<?> runningHead; // guarded by lock
  private int running;
  private int queued; // guarded by lock; a lingering worker peeks at it through QUEUED
  private int workers;
  private boolean paused;
  private boolean closed;
  private boolean stopping;
  private long nextId;
  private long succeeded;
  private long failed;
  private long cancelled;

  QueueEngine(TaskQueue.Builder b) {
    this.name = b.name;
    this.concurrency = b.concurrency;
    this.capacity = b.capacity;
    this.resumeAt = b.capacity / 2;
    this.overflow = b.overflow;
    this.deadLetter = b.deadLetter;
    this.listener = b.listener;
    this.time = b.time;
    this.rate = new RateMeter(TimeSource.saturatedNanos(b.rateWindow));
    ThreadFactory threads = WeftThreads.virtual("weft-queue-" + name);
    this.executor = b.executor != null ? b.executor : task -> threads.newThread(task).start();
    this.attempts =
        new AttemptRunner(
            name,
            b.timeout,
            b.policy,
            b.maxAttempts,
            b.backoff,
            b.retryOn,
            b.listener,
            b.time,
            this::isCancelRequested);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ArrayDeque<Entry<?>>[] newDeques(int n) {
    ArrayDeque<Entry<?>>[] deques = new ArrayDeque[n];
    for (int i = 0; i < n; i++) {
      deques[i] = new ArrayDeque<>();
    }
    return deques;
  }

  /** {@return a builder; see its setters for the defaults} */
  String name() {
    return name;
  }

  <T> TaskHandle<T> submit(Priority priority, @Nullable String name, Callable<T> task)
      throws InterruptedException {
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(task, "task");
    Entry<T> entry = new Entry<>(this, name, priority, task);
    CancellationToken submitter = bindToSubmitter(entry);
    Entry<?> dropped = null;
    boolean waited = false;
    boolean spawn;
    int queuedNow;
    lock.lockInterruptibly();
    try {
      while (true) {
        if (closed) {
          throw new RejectedExecutionException(
              "queue '" + this.name + "' is shut down; task rejected");
        }
        if (queued < capacity) {
          break;
        }
        if (overflow == Overflow.REJECT) {
          throw new QueueFullException(this.name, capacity);
        }
        if (overflow == Overflow.DROP_OLDEST) {
          break;
        }
        notFull.await();
        waited = true;
      }
      entry.id = nextId++;
      if (queued >= capacity) {
        int lowest = lowestWaiting();
        if (Priority.rank(priority) > lowest) {
          dropped = entry;
        } else {
          dropped = waiting[lowest].pollFirst();
          queued--;
        }
      }
      if (dropped != entry) {
        waiting[Priority.rank(priority)].addLast(entry);
        queued++;
        if (waited && queued < capacity) {
          notFull.signal(); // pass the wake-up on to the next blocked submitter
        }
      }
      if (dropped != null) {
        dropped.status = TaskStatus.DROPPED;
        cancelled++;
      }
      queuedNow = queued;
      spawn = wantsWorker();
      if (spawn) {
        workers++;
      }
    } finally {
      lock.unlock();
    }
    if (!listener.isNone()) {
      Listener.emit(
          listener, new TaskQueueEvent.Submitted(this.name, entry.id, priority, queuedNow));
    }
    if (dropped != null) {
      dropped.complete(TaskStatus.DROPPED, dropped.cancelled("was dropped from a full queue"));
      ended(dropped, TaskStatus.DROPPED);
    }
    if (spawn) {
      launchWorker();
    }
    if (submitter != null && dropped != entry) {
      entry.linked(submitter.onCancel(() -> cancelWithSubmitter(entry, submitter)));
    }
    return entry;
  }

  /**
   * Binds {@code e}'s attempts to the calling task's context, if there is one: {@code
   * TaskContext.carry} returns the very callable it was given outside any task, which costs one
   * scoped-value read and no allocation. {@return the submitter's token to register on, or null}
   */
  @SuppressWarnings("ReferenceEquality") // identity is meant: carry's "no context" answer
  private @Nullable CancellationToken bindToSubmitter(Entry<?> e) {
    Callable<?> probe = TaskContext.carry(e.task);
    if (probe == e.task) {
      return null;
    }
    e.inContext =
        TaskContext.carry(() -> {
          attempts.run(e);
          return null;
        });
    CancellationToken token = TaskContext.token();
    if (token == CancellationToken.none()) {
      return null;
    }
    e.submitter = token;
    return token;
  }

  /** The submitter's token was cancelled: the entry goes too, unstarted or running. */
  private void cancelWithSubmitter(Entry<?> e, CancellationToken token) {
    cancel(e, token);
  }

  void pause() {
    lock.lock();
    try {
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  void resume() {
    int spawn = 0;
    lock.lock();
    try {
      paused = false;
      while (wantsWorker()) {
        workers++;
        spawn++;
      }
    } finally {
      lock.unlock();
    }
    for (int i = 0; i < spawn; i++) {
      launchWorker();
    }
  }

  boolean isPaused() {
    lock.lock();
    try {
      return paused;
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }

  int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  QueueProgress progress() {
    lock.lock();
    try {
      return progressLocked();
    } finally {
      lock.unlock();
    }
  }

  void awaitIdle() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (queued > 0 || running > 0) {
        idle.await();
      }
    } finally {
      lock.unlock();
    }
  }

  boolean awaitIdle(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = time.readAfter(timeout);
    Thread me = Thread.currentThread();
    lock.lockInterruptibly();
    try {
      idleParkers.add(me);
      try {
        while (queued > 0 || running > 0) {
          if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting for queue '" + name + "'");
          }
          if (time.read() - deadline >= 0) {
            return false;
          }
          lock.unlock();
          try {
            time.parkUntil(deadline);
          } finally {
            lock.lock();
          }
        }
        return true;
      } finally {
        idleParkers.remove(me);
      }
    } finally {
      lock.unlock();
    }
  }

  List<Unstarted> shutdown(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, was " + grace);
    }
    long deadline = time.readAfter(grace);
    List<Entry<?>> unstarted = new ArrayList<>();
    Thread me = Thread.currentThread();
    CancellationToken owner = TaskContext.token();
    CancellationToken.Registration wake =
        owner.isCancelled()
            ? CancellationToken.Registration.NOOP
            : owner.onCancel(() -> LockSupport.unpark(me)); // a spurious wake-up at worst
    boolean cut;
    lock.lock();
    try {
      closed = true;
      notFull.signalAll();
      idleParkers.add(me);
      try {
        while ((queued > 0 || running > 0)
            && time.read() - deadline < 0
            && !me.isInterrupted()
            && !owner.isCancelled()) {
          lock.unlock();
          try {
            time.parkUntil(deadline);
          } finally {
            lock.lock();
          }
        }
      } finally {
        idleParkers.remove(me);
      }
      cut = owner.isCancelled() || me.isInterrupted();
      stopping = true;
      for (ArrayDeque<Entry<?>> d : waiting) {
        unstarted.addAll(d);
        d.clear();
      }
      queued = 0;
      cancelled += unstarted.size();
      for (Entry<?> e : unstarted) {
        e.status = TaskStatus.CANCELLED;
      }
      for (Entry<?> e = runningHead; e != null; e = e.nextRunning) {
        cancelRunningLocked(e);
      }
      idle.signalAll();
      boolean interrupted = false;
      while (workers > 0) {
        try {
          noWorkers.await();
        } catch (InterruptedException ie) {
          interrupted = true;
        }
      }
      if (interrupted) {
        me.interrupt();
      }
    } finally {
      lock.unlock();
      wake.close();
    }
    String why =
        cut
            ? "never started: the queue was shut down by a cancelled or interrupted owner"
            : "never started: the queue shut down";
    List<Unstarted> out = new ArrayList<>(unstarted.size());
    for (Entry<?> e : unstarted) {
      completeUnstarted(e, e.cancelled(why));
      out.add(new Unstarted(e, e.task));
    }
    return out;
  }

  // ---- internals -----------------------------------------------------------------------------

  boolean cancel(Entry<?> e) {
    return cancel(e, null);
  }

  /** Cancels {@code e}; {@code submitter} is the cancelled token that asked, or null. */
  private boolean cancel(Entry<?> e, @Nullable CancellationToken submitter) {
    lock.lock();
    try {
      if (e.status == TaskStatus.QUEUED && waiting[Priority.rank(e.priority)].remove(e)) {
        queued--;
        cancelled++;
        e.status = TaskStatus.CANCELLED;
        notFull.signal();
        if (queued == 0 && running == 0) {
          signalIdleLocked();
        }
      } else if (e.status == TaskStatus.RUNNING && !e.cancelRequested) {
        cancelRunningLocked(e);
        return true;
      } else {
        return false;
      }
    } finally {
      lock.unlock();
    }
    if (submitter == null) {
      completeUnstarted(e, e.cancelled("was cancelled before it started"));
    } else {
      completeUnstarted(e, e.cancelledWithSubmitter(submitter, "before it started"));
    }
    return true;
  }

  private void completeUnstarted(Entry<?> e, Throwable why) {
    e.complete(TaskStatus.CANCELLED, why);
    ended(e, TaskStatus.CANCELLED);
  }

  private void cancelRunningLocked(Entry<?> e) {
    e.cancelRequested = true;
    Thread t = e.thread;
    if (t != null) {
      t.interrupt();
    }
  }

  private boolean isCancelRequested(Entry<?> e) {
    lock.lock();
    try {
      return e.cancelRequested;
    } finally {
      lock.unlock();
    }
  }

  private int lowestWaiting() {
    for (int p = waiting.length - 1; p >= 0; p--) {
      if (!waiting[p].isEmpty()) {
        return p;
      }
    }
    return -1;
  }

  private boolean wantsWorker() {
    return !paused && !stopping && workers < concurrency && workers - running < queued;
  }

  private void launchWorker() {
    try {
      executor.execute(worker);
    } catch (RuntimeException e) {
      lock.lock();
      try {
        workerEndsLocked();
      } finally {
        lock.unlock();
      }
      throw e;
    }
  }

  private void workerEndsLocked() {
    workers--;
    if (workers == 0) {
      noWorkers.signalAll();
    }
  }

  /**
   * A worker: takes entries and runs them until none is left to start. The end of one entry and the
   * start of the next share a lock hold when nothing must be reported in between. A worker that
   * finds the queue empty lingers once, for a few yields, before it ends: it stays counted as a
   * worker meanwhile, so a submitter does not start a new thread for a task it will take (without
   * this, a queue whose workers outpace its submitter started a thread for almost every task).
   * Whether it ends is decided under the lock, with the submitters' count, so no task is stranded.
   */
  @SuppressWarnings("ThreadPriorityCheck") // see LINGER_YIELDS
  private void work() {
    Entry<?> last = null;
    boolean lingered = false;
    while (true) {
      if (last != null && mustReport(last)) {
        lock.lock();
        try {
          finishLocked(last);
        } finally {
          lock.unlock();
        }
        report(last);
        last = null;
      }
      Entry<?> next;
      boolean linger = false;
      lock.lock();
      try {
        if (last != null) {
          finishLocked(last);
          last = null;
        }
        next = takeLocked();
        if (next != null) {
          startLocked(next);
        } else if (!lingered && !paused && !stopping) {
          linger = true;
        } else {
          workerEndsLocked();
        }
      } finally {
        lock.unlock();
      }
      if (next == null) {
        if (!linger) {
          return;
        }
        lingered = true;
        for (int i = 0; i < LINGER_YIELDS && (int) QUEUED.getOpaque(this) == 0; i++) {
          Thread.yield();
        }
        continue;
      }
      lingered = false;
      runAttempts(next);
      last = next;
    }
  }

  /**
   * Runs {@code e}'s attempts, in its submitter's context if it has one. Never throws: a task's
   * {@link Error} ends the task like any failure (and is reported), so the worker goes on with the
   * next task; a worker ends only when it finds nothing to start.
   */
  private void runAttempts(Entry<?> e) {
    Callable<?> bound = e.inContext;
    if (bound == null) {
      attempts.run(e);
      return;
    }
    try {
      bound.call();
    } catch (Throwable t) { // the context's propagator failed around the attempts
      if (e.end == TaskStatus.RUNNING) {
        e.lastError = t;
        e.end = TaskStatus.FAILED;
        e.pending = t;
      }
    }
  }

  private boolean mustReport(Entry<?> e) {
    return !listener.isNone() || e.lastError != null;
  }

  private @Nullable Entry<?> takeLocked() {
    if (paused || stopping) {
      return null;
    }
    for (ArrayDeque<Entry<?>> d : waiting) {
      Entry<?> e = d.pollFirst();
      if (e != null) {
        queued--;
        return e;
      }
    }
    return null;
  }

  private void startLocked(Entry<?> e) {
    e.status = TaskStatus.RUNNING;
    e.thread = Thread.currentThread();
    Entry<?> head = runningHead;
    e.nextRunning = head;
    if (head != null) {
      head.prevRunning = e;
    }
    runningHead = e;
    running++;
    if (!rate.started()) {
      rate.start(time.read(), succeeded + failed + cancelled);
    }
    if (queued == resumeAt) {
      notFull.signal(); // blocked submitters wake once per drain to half, not once per task
    }
  }

  /** Publishes the end of {@code e}, run by this worker thread, and updates the counts. */
  private void finishLocked(Entry<?> e) {
    e.thread = null;
    // A cancel aimed at this task must not reach the thread's next one. Cancels interrupt under
    // the lock, which this thread holds, so the cheap read sees any of them.
    if (Thread.currentThread().isInterrupted()) {
      Thread.interrupted();
    }
    Entry<?> prev = e.prevRunning;
    Entry<?> next = e.nextRunning;
    if (prev == null) {
      runningHead = next;
    } else {
      prev.nextRunning = next;
    }
    if (next != null) {
      next.prevRunning = prev;
    }
    e.prevRunning = null;
    e.nextRunning = null;
    running--;
    TaskStatus end = e.end;
    switch (end) {
      case SUCCEEDED -> succeeded++;
      case FAILED -> failed++;
      default -> cancelled++;
    }
    Object result = e.pending;
    e.pending = null;
    e.complete(end, result);
    if (queued == 0 && running == 0) {
      signalIdleLocked();
    }
  }

  /** Emits the end of {@code e} and hands a final failure to the dead-letter handler. */
  private void report(Entry<?> e) {
    ended(e, e.end);
    Throwable error = e.lastError;
    if (error instanceof Error) {
      LOG.log(
          System.Logger.Level.ERROR,
          e.describe() + " threw an Error; the task failed with it and the queue goes on",
          error);
    }
    if (e.end == TaskStatus.FAILED && error != null) {
      try {
        deadLetter.accept(new DeadLetter(name, e, e.task, error, e.attempts));
      } catch (RuntimeException handlerBug) {
        LOG.log(
            System.Logger.Level.ERROR,
            "dead-letter handler of queue '" + name + "' failed on " + e,
            handlerBug);
      }
    }
  }

  private void signalIdleLocked() {
    idle.signalAll();
    for (Thread t : idleParkers) {
      LockSupport.unpark(t);
    }
  }

  private void ended(Entry<?> e, TaskStatus end) {
    if (!listener.isNone()) {
      Listener.emit(
          listener, new TaskQueueEvent.Ended(name, e.id, end, e.took(time.read()), progress()));
    }
  }

  private QueueProgress progressLocked() {
    long ended = succeeded + failed + cancelled;
    double perSecond = rate.sample(time.read(), ended);
    Optional<Duration> eta = Optional.empty();
    if (perSecond > 0) {
      long left = (long) queued + running;
      eta = Optional.of(Duration.ofNanos((long) (left / perSecond * 1e9)));
    }
    return new QueueProgress(nextId, succeeded, failed, cancelled, queued, running, perSecond, eta);
  }
}
