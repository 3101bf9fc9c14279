package dev.weft.queue;

import dev.weft.observe.Listener;
import dev.weft.observe.WeftThreads;
import dev.weft.policy.Backoff;
import dev.weft.policy.Policy;
import dev.weft.task.CancelledException;
import dev.weft.task.DeadlineExceededException;
import dev.weft.task.Settled;
import dev.weft.time.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory queue of tasks run at most {@code concurrency} at a time, highest {@link Priority}
 * first and FIFO within a priority, holding at most {@code capacity} waiting tasks.
 *
 * {@snippet :
 * try (TaskQueue q = TaskQueue.builder().name("emails").concurrency(8).capacity(10_000).build()) {
 *   for (Email e : emails) {
 *     q.submit(Priority.NORMAL, () -> smtp.send(e)); // blocks while 10,000 wait: backpressure
 *   }
 *   q.awaitIdle();
 * }
 * }
 *
 * <p>Tasks run on virtual threads (named {@code weft-queue-<name>-N}) or on the executor given to
 * the builder. Each task may get a timeout per attempt and retries with a {@link Backoff}; a task
 * whose last attempt fails goes to the dead-letter handler, once. {@link #pause()} stops starting
 * tasks (running ones go on); {@link #resume()} starts them again. {@link #shutdown(Duration)}
 * stops accepting tasks, lets the queue drain for a grace period, then cancels what runs and
 * returns the tasks that never started: nothing is dropped silently.
 *
 * <p>Thread-safe. Memory consistency effects: actions before {@code submit} happen-before the task
 * runs; a task's actions happen-before its handle's {@link TaskHandle#await()} returns and before
 * an {@link #awaitIdle()} that observes it ended returns.
 *
 * <p>Overview for maintainers. One lock guards the priority deques, the counts, {@code paused},
 * {@code closed} and each entry's {@code status}/{@code thread}/{@code cancelRequested}. Workers
 * are started on demand, one per waiting task up to {@code concurrency}, and end when they find
 * nothing to start, so an idle queue holds no thread. A worker takes an entry under the lock and
 * runs it without the lock; user code never runs under the lock. A cancel interrupts the entry's
 * thread under the lock, and the worker clears that thread (under the lock) and the interrupt flag
 * after the task, so a stray interrupt never reaches the next task of a pooled thread. Invariants:
 * {@code queued == sum of deque sizes <= capacity}; {@code running <= workers <= concurrency}.
 */
public final class TaskQueue implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.weft.queue");

  private final String name;
  private final int concurrency;
  private final int capacity;
  private final Overflow overflow;
  private final @Nullable Duration timeout;
  private final @Nullable Policy<Object> policy;
  private final int maxAttempts;
  private final Backoff backoff;
  private final Predicate<Throwable> retryOn;
  private final Consumer<DeadLetter> deadLetter;
  private final Listener listener;
  private final TimeSource time;
  private final Executor executor;
  private final ThreadFactory attemptThreads;
  private final @Nullable Duration closeGrace;
  private final RandomGenerator random = new SplittableRandom();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition idle = lock.newCondition();
  private final Condition noWorkers = lock.newCondition();

  private final ArrayDeque<Entry<?>>[] waiting = newDeques(Priority.values().length);

  private final Set<Entry<?>> runningEntries = new HashSet<>();
  private int queued;
  private int workers;
  private boolean paused;
  private boolean closed;
  private boolean stopping;
  private @Nullable Thread closer;
  private long nextId;
  private long succeeded;
  private long failed;
  private long cancelled;
  private long firstStart;
  private boolean anyStarted;

  private TaskQueue(Builder b) {
    this.name = b.name;
    this.concurrency = b.concurrency;
    this.capacity = b.capacity;
    this.overflow = b.overflow;
    this.timeout = b.timeout;
    this.policy = b.policy;
    this.maxAttempts = b.maxAttempts;
    this.backoff = b.backoff;
    this.retryOn = b.retryOn;
    this.deadLetter = b.deadLetter;
    this.listener = b.listener;
    this.time = b.time;
    this.closeGrace = b.closeGrace;
    ThreadFactory threads = WeftThreads.virtual("weft-queue-" + name);
    this.executor = b.executor != null ? b.executor : task -> threads.newThread(task).start();
    this.attemptThreads = WeftThreads.virtual("weft-queue-" + name + "-attempt");
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
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the queue's name} */
  public String name() {
    return name;
  }

  /**
   * Submits a task with {@link Priority#NORMAL}. See {@link #submit(Priority, String, Callable)}.
   *
   * @param task the work
   * @return the task's handle
   * @throws InterruptedException if interrupted while blocked on a full queue
   */
  public <T> TaskHandle<T> submit(Callable<T> task) throws InterruptedException {
    return submit(Priority.NORMAL, null, task);
  }

  /**
   * Submits a task. See {@link #submit(Priority, String, Callable)}.
   *
   * @param priority how urgent it is
   * @param task the work
   * @return the task's handle
   * @throws InterruptedException if interrupted while blocked on a full queue
   */
  public <T> TaskHandle<T> submit(Priority priority, Callable<T> task) throws InterruptedException {
    return submit(priority, null, task);
  }

  /**
   * Submits a named task.
   *
   * <p>Returns the handle once the task waits in the queue. When the queue already holds its
   * capacity: under {@link Overflow#BLOCK} it blocks until room is made (throwing {@link
   * InterruptedException}, flag cleared, if interrupted, in which case the task was not added);
   * under {@link Overflow#REJECT} it throws {@link QueueFullException}; under {@link
   * Overflow#DROP_OLDEST} it drops a task (see there) and returns. Throws {@link
   * RejectedExecutionException} once the queue is shut down, also to a submitter blocked when it
   * happens.
   *
   * @param priority how urgent it is
   * @param name the task's name, for handles, events and dead letters; null for {@code task-<id>}
   * @param task the work
   * @return the task's handle
   * @throws InterruptedException if interrupted while blocked on a full queue
   */
  public <T> TaskHandle<T> submit(Priority priority, @Nullable String name, Callable<T> task)
      throws InterruptedException {
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(task, "task");
    Entry<T> entry;
    Entry<?> dropped = null;
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
      }
      entry = new Entry<>(this, nextId++, name, priority, task);
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
      finishDropped(dropped);
    }
    if (spawn) {
      launchWorker();
    }
    return entry;
  }

  private <T> void finishDropped(Entry<T> e) {
    e.complete(TaskStatus.DROPPED, Settled.failure(e.cancelled("was dropped from a full queue")));
    ended(e, TaskStatus.DROPPED);
  }

  /** Stops starting tasks; running tasks go on. Idempotent. */
  public void pause() {
    lock.lock();
    try {
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  /** Starts tasks again after {@link #pause()}. Idempotent. */
  public void resume() {
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

  /** {@return whether the queue is paused} */
  public boolean isPaused() {
    lock.lock();
    try {
      return paused;
    } finally {
      lock.unlock();
    }
  }

  /** {@return how many tasks wait (not counting running ones)} */
  public int size() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }

  /** {@return how many tasks run now} */
  public int running() {
    lock.lock();
    try {
      return runningEntries.size();
    } finally {
      lock.unlock();
    }
  }

  /** {@return the queue's counts, rate and estimated time to finish} */
  public QueueProgress progress() {
    lock.lock();
    try {
      return progressLocked();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until no task waits or runs. Returns at once if the queue is idle. While the queue is
   * paused with tasks waiting, it keeps waiting. Throws {@link InterruptedException} (flag cleared)
   * if interrupted.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitIdle() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (queued > 0 || !runningEntries.isEmpty()) {
        idle.await();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Shuts the queue down: stops accepting tasks, keeps starting waiting tasks for up to {@code
   * grace} (measured on the queue's time source), then cancels the tasks still running
   * (interrupting them; they are not retried) and returns the tasks that never started, whose
   * handles end {@link TaskStatus#CANCELLED}.
   *
   * <p>Returns once no task runs and no worker is left. If the queue drains within the grace, it
   * returns an empty list. If the calling thread is interrupted, the grace ends at once (the
   * interrupt flag stays set). Calling it again returns an empty list.
   *
   * @param grace how long waiting and running tasks may go on; {@link Duration#ZERO} for none
   * @return the tasks that never started, in the order they would have run
   */
  public List<Unstarted> shutdown(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, was " + grace);
    }
    long deadline = time.readAfter(grace);
    List<Entry<?>> unstarted = new ArrayList<>();
    List<Entry<?>> toCancel;
    lock.lock();
    try {
      closed = true;
      notFull.signalAll();
      closer = Thread.currentThread();
      while ((queued > 0 || !runningEntries.isEmpty())
          && time.read() - deadline < 0
          && !Thread.currentThread().isInterrupted()) {
        lock.unlock();
        try {
          time.parkUntil(deadline);
        } finally {
          lock.lock();
        }
      }
      closer = null;
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
      toCancel = new ArrayList<>(runningEntries);
      for (Entry<?> e : toCancel) {
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
        Thread.currentThread().interrupt();
      }
    } finally {
      lock.unlock();
    }
    List<Unstarted> out = new ArrayList<>(unstarted.size());
    for (Entry<?> e : unstarted) {
      completeUnstarted(e);
      out.add(new Unstarted(e, e.task));
    }
    return out;
  }

  private <T> void completeUnstarted(Entry<T> e) {
    e.complete(
        TaskStatus.CANCELLED, Settled.failure(e.cancelled("never started: the queue shut down")));
    ended(e, TaskStatus.CANCELLED);
  }

  /**
   * Shuts down with the builder's {@code closeGrace}, by default waiting for every task to end.
   * Tasks that never started (only when a grace was set) are logged at WARNING, by count, and their
   * handles end {@link TaskStatus#CANCELLED}; call {@link #shutdown(Duration)} to get them.
   */
  @Override
  public void close() {
    List<Unstarted> left =
        shutdown(closeGrace == null ? Duration.ofNanos(Long.MAX_VALUE) : closeGrace);
    if (!left.isEmpty()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "queue ''{0}'' closed with {1} task(s) never started; their handles are cancelled",
          name,
          left.size());
    }
  }

  @Override
  public String toString() {
    QueueProgress p = progress();
    return "TaskQueue[" + name + ", queued=" + p.queued() + ", running=" + p.running() + "]";
  }

  // ---- internals -----------------------------------------------------------------------------

  boolean cancel(Entry<?> e) {
    boolean wasQueued;
    lock.lock();
    try {
      if (e.status == TaskStatus.QUEUED && waiting[Priority.rank(e.priority)].remove(e)) {
        queued--;
        cancelled++;
        e.status = TaskStatus.CANCELLED;
        notFull.signal();
        if (queued == 0 && runningEntries.isEmpty()) {
          idle.signalAll();
          wakeCloser();
        }
        wasQueued = true;
      } else if (e.status == TaskStatus.RUNNING && !e.cancelRequested) {
        cancelRunningLocked(e);
        return true;
      } else {
        return false;
      }
    } finally {
      lock.unlock();
    }
    if (wasQueued) {
      completeUnstarted(e, "was cancelled before it started");
    }
    return true;
  }

  private <T> void completeUnstarted(Entry<T> e, String why) {
    e.complete(TaskStatus.CANCELLED, Settled.failure(e.cancelled(why)));
    ended(e, TaskStatus.CANCELLED);
  }

  private void cancelRunningLocked(Entry<?> e) {
    e.cancelRequested = true;
    Thread t = e.thread;
    if (t != null) {
      t.interrupt();
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
    return !paused
        && !stopping
        && workers < concurrency
        && workers - runningEntries.size() < queued;
  }

  private void launchWorker() {
    try {
      executor.execute(this::work);
    } catch (RuntimeException e) {
      lock.lock();
      try {
        workers--;
        if (workers == 0) {
          noWorkers.signalAll();
        }
      } finally {
        lock.unlock();
      }
      throw e;
    }
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

  private void work() {
    while (true) {
      Entry<?> e;
      lock.lock();
      try {
        e = takeLocked();
        if (e == null) {
          workers--;
          if (workers == 0) {
            noWorkers.signalAll();
          }
          return;
        }
        e.status = TaskStatus.RUNNING;
        e.thread = Thread.currentThread();
        runningEntries.add(e);
        if (!anyStarted) {
          anyStarted = true;
          firstStart = time.read();
        }
        notFull.signal();
      } finally {
        lock.unlock();
      }
      runEntry(e);
    }
  }

  /** Runs every attempt of {@code e} on this worker thread, then records how it ended. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // attempts is written by this worker alone
  private <T> void runEntry(Entry<T> e) {
    e.started = true;
    e.startedAt = time.read();
    Settled<T> result;
    TaskStatus end;
    Throwable lastError = null;
    while (true) {
      int attempt = ++e.attempts;
      if (!listener.isNone()) {
        Listener.emit(listener, new TaskQueueEvent.Started(name, e.id, attempt));
      }
      try {
        T value = attempt(e);
        result = Settled.success(value);
        end = TaskStatus.SUCCEEDED;
        break;
      } catch (Throwable t) {
        lastError = t;
        if (isCancelRequested(e)) {
          result = Settled.failure(e.cancelled("was cancelled while running"));
          ((Settled.Failure<T>) result).cause().addSuppressed(t);
          end = TaskStatus.CANCELLED;
          break;
        }
        if (t instanceof Error err) {
          finishRun(e, TaskStatus.FAILED, Settled.failure(err));
          throw err;
        }
        if (attempt < maxAttempts && retryOn.test(t)) {
          Duration delay = backoff.delay(attempt, random);
          if (!listener.isNone()) {
            Listener.emit(listener, new TaskQueueEvent.Retrying(name, e.id, attempt, t, delay));
          }
          try {
            time.sleep(delay);
          } catch (InterruptedException ie) {
            result = Settled.failure(e.cancelled("was cancelled while waiting to retry"));
            end = TaskStatus.CANCELLED;
            break;
          }
          continue;
        }
        result = Settled.failure(t);
        end = TaskStatus.FAILED;
        break;
      }
    }
    finishRun(e, end, result);
    if (end == TaskStatus.FAILED && lastError != null) {
      try {
        deadLetter.accept(new DeadLetter(name, e, e.task, lastError, e.attempts));
      } catch (RuntimeException handlerBug) {
        LOG.log(
            System.Logger.Level.ERROR,
            "dead-letter handler of queue '" + name + "' failed on " + e,
            handlerBug);
      }
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

  private <T> void finishRun(Entry<T> e, TaskStatus end, Settled<T> result) {
    lock.lock();
    try {
      e.thread = null;
      Thread.interrupted(); // a cancel aimed at this task must not reach the thread's next one
      runningEntries.remove(e);
      switch (end) {
        case SUCCEEDED -> succeeded++;
        case FAILED -> failed++;
        default -> cancelled++;
      }
      if (queued == 0 && runningEntries.isEmpty()) {
        idle.signalAll();
        wakeCloser();
      }
    } finally {
      lock.unlock();
    }
    e.complete(end, result);
    ended(e, end);
  }

  private void wakeCloser() {
    Thread c = closer;
    if (c != null) {
      LockSupport.unpark(c);
    }
  }

  private void ended(Entry<?> e, TaskStatus end) {
    if (!listener.isNone()) {
      Listener.emit(
          listener, new TaskQueueEvent.Ended(name, e.id, end, e.took(time.read()), progress()));
    }
  }

  /** One attempt, under the per-attempt timeout when there is one. */
  private <T> T attempt(Entry<T> e) throws Exception {
    Policy<Object> p = policy;
    Callable<T> work = p == null ? e.task : () -> p.call(e.task);
    Duration limit = timeout;
    if (limit == null) {
      return work.call();
    }
    Thread worker = Thread.currentThread();
    FutureTask<T> future = new FutureTask<>(work);
    Thread child =
        attemptThreads.newThread(() -> {
          try {
            future.run();
          } finally {
            LockSupport.unpark(worker);
          }
        });
    long deadline = time.readAfter(limit);
    child.start();
    try {
      while (!future.isDone()) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("task interrupted");
        }
        if (time.read() - deadline >= 0) {
          future.cancel(true);
          joinUninterruptibly(child);
          throw new DeadlineExceededException(
              "task '"
                  + e.name
                  + "' (#"
                  + e.id
                  + ") of queue '"
                  + name
                  + "' exceeded its timeout of "
                  + limit
                  + " on attempt "
                  + e.attempts,
              limit);
        }
        time.parkUntil(deadline);
      }
      try {
        return future.get();
      } catch (java.util.concurrent.ExecutionException ex) {
        Throwable cause = Objects.requireNonNull(ex.getCause());
        if (cause instanceof Exception x) {
          throw x;
        }
        throw (Error) cause;
      }
    } catch (InterruptedException ie) {
      future.cancel(true);
      joinUninterruptibly(child);
      throw ie;
    }
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException ie) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private QueueProgress progressLocked() {
    long ended = succeeded + failed + cancelled;
    double perSecond = 0;
    Optional<Duration> eta = Optional.empty();
    if (anyStarted && ended > 0) {
      long elapsed = time.read() - firstStart;
      if (elapsed > 0) {
        perSecond = ended * 1e9 / elapsed;
        long left = (long) queued + runningEntries.size();
        eta = Optional.of(Duration.ofNanos((long) (left / perSecond * 1e9)));
      }
    }
    return new QueueProgress(
        nextId, succeeded, failed, cancelled, queued, runningEntries.size(), perSecond, eta);
  }

  /**
   * Builds a {@link TaskQueue}. Each setter validates its value at once and says which rule it
   * broke. Not thread-safe.
   */
  public static final class Builder {
    private String name = "queue";
    private int concurrency = 16;
    private int capacity = 10_000;
    private Overflow overflow = Overflow.BLOCK;
    private @Nullable Duration timeout;
    private @Nullable Policy<Object> policy;
    private int maxAttempts = 1;
    private Backoff backoff = Backoff.fixed(Duration.ZERO);
    private Predicate<Throwable> retryOn =
        t ->
            t instanceof Exception
                && !(t instanceof InterruptedException)
                && !(t instanceof CancelledException);
    private Consumer<DeadLetter> deadLetter = d -> {};
    private Listener listener = Listener.none();
    private TimeSource time = TimeSource.system();
    private @Nullable Executor executor;
    private @Nullable Duration closeGrace;

    private Builder() {}

    /** Names the queue, for threads, events and messages; default {@code queue}. @return this */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** Sets the most tasks running at once, {@code >= 1}; default 16. @return this */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** Sets the most tasks waiting, {@code >= 1}; default 10,000. @return this */
    public Builder capacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
      }
      this.capacity = capacity;
      return this;
    }

    /** Sets what a submit to a full queue does; default {@link Overflow#BLOCK}. @return this */
    public Builder overflow(Overflow overflow) {
      this.overflow = Objects.requireNonNull(overflow, "overflow");
      return this;
    }

    /**
     * Sets a timeout per attempt: an attempt still running after it is interrupted, waited for, and
     * fails with {@link DeadlineExceededException} (retried like any failure). Default none.
     *
     * @param timeout {@code > 0}
     * @return this
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Runs every attempt of every task through {@code policy} (a {@code dev.weft.policy.Retry},
     * {@code Timeout}, {@code CircuitBreaker}, or several composed with {@link Policy#of}): the
     * policy's own retries happen inside one queue attempt, and what the policy finally throws is
     * the attempt's failure (retried by {@link #retry} if set, then dead-lettered). Default none.
     *
     * @param policy a policy that accepts any result
     * @return this
     */
    public Builder policy(Policy<Object> policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Retries a failed task up to {@code maxAttempts} attempts in all, waiting {@code backoff}
     * between them. Default: one attempt.
     *
     * @param maxAttempts {@code >= 1}
     * @param backoff the wait before each retry
     * @return this
     */
    public Builder retry(int maxAttempts, Backoff backoff) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * Sets which failures are retried; default every {@link Exception} but interrupts and
     * cancellations. @return this
     */
    public Builder retryOn(Predicate<Throwable> retryOn) {
      this.retryOn = Objects.requireNonNull(retryOn, "retryOn");
      return this;
    }

    /**
     * Sets the handler that receives each task that finally failed, once, on the worker's thread
     * after the task's handle has ended. What it throws is logged. Default: none (the failure stays
     * in the task's handle and the {@code Ended} event).
     *
     * @param handler the dead-letter handler
     * @return this
     */
    public Builder deadLetter(Consumer<DeadLetter> handler) {
      this.deadLetter = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** Sets the receiver of {@link TaskQueueEvent}s; default none. @return this */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Sets the clock for timeouts, backoff, grace and rates; default the system's. @return this */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * Runs the queue's workers on {@code executor} instead of on new virtual threads. The executor
     * must be able to run {@code concurrency} tasks at once. @return this
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the grace {@link #close()} gives tasks before cancelling; default: wait for all.
     *
     * @param grace {@code >= 0}
     * @return this
     */
    public Builder closeGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("closeGrace must be >= 0, was " + grace);
      }
      this.closeGrace = grace;
      return this;
    }

    /** {@return the queue} */
    public TaskQueue build() {
      return new TaskQueue(this);
    }
  }
}
