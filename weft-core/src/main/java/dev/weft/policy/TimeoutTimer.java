package dev.weft.policy;

import dev.weft.observe.WeftThreads;
import dev.weft.task.CancellationSource;
import dev.weft.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The deadlines of the {@link Timeout} calls running on one time source, watched by one thread
 * ({@code weft-timeout-timer}) that exists only while some call is registered. When a deadline
 * passes before its call ends, a short-lived {@code weft-timeout} thread cancels the call's token
 * and then interrupts its caller (a thread of its own, so that slow cancellation callbacks never
 * delay the other calls' deadlines).
 *
 * <p>Thread-safe. One instance per time source serves every {@code Timeout} on it.
 *
 * <p>Overview for maintainers. A call {@linkplain #start registers} an {@link Entry} by pushing it
 * on {@code inbox}, a lock-free stack (one compare-and-set, no lock), and {@linkplain #finish ends}
 * it with one compare-and-set of the entry's state, RUNNING to DONE; the timer races for the same
 * state, RUNNING to FIRED. Nothing else happens on the fast path: the entry is not removed, the
 * timer drops it later (lazy cancellation).
 *
 * <p>The timer thread takes the whole inbox at once ({@code getAndSet(null)}), keeps the entries
 * still RUNNING in a heap ordered by deadline that only it touches, fires the expired ones, and
 * parks on the time source until the earliest deadline. Before parking it publishes that deadline
 * in {@code wakeAt} and takes the inbox once more; a pusher reads {@code wakeAt} after its push, so
 * an entry either was taken by the timer or finds {@code wakeAt} and wakes the timer if its own
 * deadline is earlier (sequentially consistent accesses on both sides, the Dekker pattern). While
 * the timer is awake {@code wakeAt} is {@code AWAKE} and nobody wakes it. Wakes are interrupts, not
 * unparks: a time source may park on a lock inside {@code parkUntil} and swallow an unpark's
 * permit, but an interrupt stays until the timer clears it.
 *
 * <p>Finished entries left behind cost memory until the timer takes them, so the pusher whose push
 * makes the inbox {@code DRAIN_EVERY} long wakes the timer (each entry carries the inbox's length).
 * On the system clock the timer also wakes every {@code TICK}, and exits when it finds nothing
 * running; on another time source (a manual clock may never advance) every finished call wakes the
 * timer instead, so that it can exit as soon as nothing runs. The thread exits by swapping an empty
 * inbox for {@code DEAD}; the pusher that finds {@code DEAD} starts a new one.
 */
@SuppressWarnings("ReferenceEquality") // identity is meant: the system clock, the DEAD marker
final class TimeoutTimer {

  private static final ThreadFactory TIMERS = WeftThreads.virtual("weft-timeout-timer");
  private static final ThreadFactory FIRERS = WeftThreads.virtual("weft-timeout");
  // before SYSTEM: static fields initialise in order, and every timer's heap needs it
  private static final Comparator<Entry> BY_DEADLINE =
      (a, b) -> Long.compare(a.ticks - b.ticks, 0); // ticks may wrap: compare differences
  private static final TimeoutTimer SYSTEM = new TimeoutTimer(TimeSource.system());

  /**
   * The timers of other time sources (manual clocks in tests), found at configuration time. Both
   * sides weak: a timer refers to its time source, and lives only while a {@code Timeout} or its
   * running thread refers to it. Guarded by itself.
   */
  private static final Map<TimeSource, WeakReference<TimeoutTimer>> OTHERS = new WeakHashMap<>();

  /** Inbox length at which the pusher wakes the timer to drop finished entries. */
  static final int DRAIN_EVERY = 1024;

  /** How often the system clock's timer wakes while calls are registered. */
  private static final long TICK = Duration.ofMillis(100).toNanos();

  /** {@code wakeAt} while the timer thread runs (or has not started): pushers need not wake it. */
  private static final long AWAKE = Long.MIN_VALUE;

  /** {@link #look}: entries run; the earliest deadline is {@code heap.element()}'s. */
  static final int WAIT = 0;

  /**
   * {@link #look}: nothing ran, and the timer ended itself; the next {@link #start} launches one.
   */
  static final int ENDED = 1;

  /** {@link #look}: nothing ran, but new entries came in meanwhile: look again. */
  static final int AGAIN = 2;

  private final Entry dead = new Entry();
  private final TimeSource time;
  private final boolean ticking;
  private final Consumer<Runnable> launcher;
  private final Consumer<Entry> firer;
  private final AtomicReference<@Nullable Entry> inbox = new AtomicReference<>(dead);
  // the running entries taken from the inbox, by deadline, and when to purge the finished ones:
  // touched by the timer thread only (a timer that ends leaves them empty to the next)
  private final PriorityQueue<Entry> heap = new PriorityQueue<>(BY_DEADLINE);
  private int purgeAt = 64;
  private volatile long wakeAt = AWAKE;
  private volatile @Nullable Thread thread;

  private TimeoutTimer(TimeSource time) {
    this(
        time,
        loop -> {
          Thread t = TIMERS.newThread(loop);
          t.start();
        },
        e -> FIRERS.newThread(e::fire).start());
  }

  /**
   * A timer whose loop is started by {@code launcher} and whose expired entries go to {@code
   * firer}. For the Lincheck check, which plays the timer thread itself by calling {@link #look}.
   */
  TimeoutTimer(TimeSource time, Consumer<Runnable> launcher, Consumer<Entry> firer) {
    this.time = time;
    this.ticking = time == TimeSource.system();
    this.launcher = launcher;
    this.firer = firer;
  }

  /**
   * {@return the timer of {@code time}: one per time source, as long as some {@code Timeout} holds
   * it}
   */
  static TimeoutTimer of(TimeSource time) {
    if (time == TimeSource.system()) {
      return SYSTEM;
    }
    synchronized (OTHERS) {
      WeakReference<TimeoutTimer> ref = OTHERS.get(time);
      TimeoutTimer timer = ref == null ? null : ref.get();
      if (timer == null) {
        timer = new TimeoutTimer(time);
        OTHERS.put(time, new WeakReference<>(timer));
      }
      return timer;
    }
  }

  /** {@return the time source whose ticks the deadlines are in} */
  TimeSource time() {
    return time;
  }

  /**
   * Registers a call of the current thread that must stop at {@code ticks}.
   *
   * @param source cancelled when the deadline passes first
   * @param ticks the deadline, in this timer's time source's ticks
   * @param name the timeout's name, for the cancellation's reason
   * @param timeout the timeout's length, for the cancellation's reason
   * @return the entry to {@linkplain #finish finish} when the call ends
   */
  Entry start(CancellationSource source, long ticks, String name, Duration timeout) {
    Entry e = new Entry(Thread.currentThread(), source, ticks, name, timeout);
    Entry head;
    do {
      head = inbox.get();
      Entry next = head == dead ? null : head;
      e.next = next;
      e.length = next == null ? 1 : next.length + 1;
    } while (!inbox.compareAndSet(head, e));
    if (head == dead) {
      launcher.accept(this::run);
      return e;
    }
    long w = wakeAt;
    if (e.length == DRAIN_EVERY || (w != AWAKE && ticks - w < 0)) {
      wake();
    }
    return e;
  }

  /**
   * Ends {@code e}'s call.
   *
   * @return {@code true} if the call ended before its deadline fired; {@code false} if the deadline
   *     fired first: the caller must then {@linkplain #awaitFired await} the interrupt
   */
  boolean finish(Entry e) {
    if (!e.end(Entry.DONE)) {
      return false;
    }
    if (!ticking) {
      wake();
    }
    return true;
  }

  /**
   * Waits, without giving up on interrupts, until the firing thread of {@code e} has cancelled its
   * token and interrupted this thread, then clears that interrupt. Returns normally; never throws.
   */
  static void awaitFired(Entry e) {
    while (!e.delivered) {
      Thread.interrupted(); // the firing thread's interrupt is due; park must not return at once
      LockSupport.park(e);
    }
    Thread.interrupted(); // the interrupt was for the work, which has returned
  }

  private void wake() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  private void run() {
    thread = Thread.currentThread();
    while (true) {
      long now = time.read();
      int look = look(now);
      if (look == ENDED) {
        return;
      }
      if (look == AGAIN) {
        continue;
      }
      long at = heap.element().ticks;
      if (ticking && at - now > TICK) {
        at = now + TICK;
      }
      wakeAt = at;
      if (take() && heap.element().ticks - at < 0) {
        continue; // an earlier deadline was pushed before the pusher could see wakeAt
      }
      time.parkUntil(at);
      Thread.interrupted(); // a wake: the loop looks again
    }
  }

  /**
   * One look of the timer thread at time {@code now}: takes the inbox, fires the running entries
   * whose deadline passed and drops the finished ones. Only the timer thread calls it.
   *
   * @return {@link #WAIT}, {@link #ENDED} or {@link #AGAIN}
   */
  int look(long now) {
    wakeAt = AWAKE;
    take();
    while (!heap.isEmpty()) {
      Entry first = heap.peek();
      if (first.state != Entry.RUNNING) {
        heap.poll();
      } else if (now - first.ticks >= 0) {
        heap.poll();
        if (first.end(Entry.FIRED)) {
          firer.accept(first);
        }
      } else {
        break;
      }
    }
    if (!heap.isEmpty()) {
      if (heap.size() >= purgeAt) {
        heap.removeIf(e -> e.state != Entry.RUNNING);
        purgeAt = Math.max(64, 2 * heap.size());
      }
      return WAIT;
    }
    // from here a pusher may launch the next timer, which takes over the (empty) heap
    return inbox.compareAndSet(null, dead) ? ENDED : AGAIN;
  }

  /** {@return whether the last timer thread ended and no call registered since} */
  boolean ended() {
    return inbox.get() == dead;
  }

  /** Moves the inbox's running entries to {@code heap}; {@return whether it took any} */
  private boolean take() {
    Entry e = inbox.getAndSet(null);
    boolean took = false;
    while (e != null) {
      Entry next = e.next;
      e.next = null; // a heap entry must not keep the finished ones behind it alive
      if (e.state == Entry.RUNNING) {
        heap.add(e);
        took = true;
      }
      e = next;
    }
    return took;
  }

  /**
   * One registered call. Apart from {@code state} and {@code delivered}, its fields do not change
   * once it is pushed, except {@code next}, which the timer clears once it has taken the entry.
   */
  static final class Entry {
    static final int RUNNING = 0;
    static final int DONE = 1;
    static final int FIRED = 2;

    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final @Nullable Thread caller;
    final @Nullable CancellationSource source;
    final long ticks;
    final String name;
    final @Nullable Duration timeout;
    @Nullable Entry next; // written before the push, read by the timer after it takes the inbox
    int length;
    volatile int state;
    volatile boolean delivered;

    /** The inbox's {@code DEAD} marker. */
    Entry() {
      this(null, null, 0, "", null);
    }

    Entry(
        @Nullable Thread caller,
        @Nullable CancellationSource source,
        long ticks,
        String name,
        @Nullable Duration timeout) {
      this.caller = caller;
      this.source = source;
      this.ticks = ticks;
      this.name = name;
      this.timeout = timeout;
    }

    boolean end(int how) {
      return STATE.compareAndSet(this, RUNNING, how);
    }

    /** Cancels the token, then interrupts the caller, then lets it go on. On a firing thread. */
    void fire() {
      Thread c = Objects.requireNonNull(caller);
      try {
        Objects.requireNonNull(source).cancel("timeout '" + name + "' of " + timeout + " passed");
      } finally {
        c.interrupt();
        delivered = true;
        LockSupport.unpark(c);
      }
    }
  }
}
