package dev.weft.flow;

import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The engine of {@link Debouncer}, {@link Throttler} and their keyed forms: lodash's {@code
 * debounce} (of which {@code throttle} is the case {@code maxWait == wait}), per key. Thread-safe.
 *
 * <p>Overview for maintainers. Each key has a {@link State} with lodash's variables ({@code
 * lastArgs}, {@code lastCallTime}, {@code lastInvokeTime}, {@code timerId}), all guarded by {@code
 * lock}; the methods below follow lodash's functions one for one ({@code shouldInvoke}, {@code
 * leadingEdge}, {@code trailingEdge}, {@code remainingWait}, {@code timerExpired}). Timers of all
 * keys sit in one ordered set served by one virtual thread, started when a timer is set and ending
 * when none is left, which parks on the {@link TimeSource} until the earliest. Invocations are
 * decided under the lock (by a caller on a leading edge, by the timer thread on a trailing one) and
 * run outside it on the key's {@link Runner}: a virtual thread per key with decided runs, which
 * runs them one at a time in the order they were decided and ends when none is left. So a key's
 * runs never overlap and always see its arguments in call order, while a slow action delays neither
 * the timers nor the runs of other keys. {@code close()} clears every runner's queue and waits
 * until the runners have ended (each finishes the run in progress), after which nothing runs. A
 * key's state is dropped when it is equivalent to a fresh one (no timer, and its last call is at
 * least {@code wait} old with {@code maxWait} passed since the last invocation); while that is not
 * yet so and no timer is due, a cleanup-only timer keeps it listed so it is dropped in time (this
 * timer is not "pending").
 */
final class Edges<K, T> {

  private static final System.Logger LOG = System.getLogger("dev.weft.flow");

  final String name;
  private final long wait;
  private final long maxWait; // < 0: none
  private final boolean leading;
  private final boolean trailing;
  private final TimeSource time;
  private final BiConsumer<? super K, ? super T> action;
  private final ThreadFactory threads;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition quiet = lock.newCondition();
  private final Map<K, State<K, T>> states = new HashMap<>(); // guarded by lock
  private final TreeSet<State<K, T>> timers = new TreeSet<>(Edges::byTimer); // guarded by lock
  private final Map<K, Runner<K, T>> runners = new HashMap<>(); // guarded by lock
  private @Nullable Thread timerThread; // guarded by lock
  private boolean closed; // guarded by lock
  private long seq; // guarded by lock

  private static final class State<K, T> {
    final K key;
    @Nullable T lastArgs;
    boolean hasArgs;
    boolean called; // lastCallTime !== undefined
    long lastCallTime;
    boolean invoked; // lastInvokeTime !== 0
    long lastInvokeTime;
    boolean timer; // timerId !== undefined (a real, "pending" timer)
    boolean cleanup; // a cleanup-only timer is set
    long timerAt;
    long order;

    State(K key) {
      this.key = key;
    }
  }

  /** The thread running one key's decided invocations, in order; listed while it lives. */
  private static final class Runner<K, T> {
    final ArrayDeque<Invocation<K, T>> queue = new ArrayDeque<>(); // guarded by lock
    @Nullable Thread thread; // set under lock before it starts
  }

  /** A decided invocation, run outside the lock on its key's runner. */
  private static final class Invocation<K, T> {
    final K key;
    final T arg;
    boolean done; // guarded by lock

    Invocation(K key, T arg) {
      this.key = key;
      this.arg = arg;
    }
  }

  Edges(
      String name,
      long wait,
      long maxWait,
      boolean leading,
      boolean trailing,
      TimeSource time,
      BiConsumer<? super K, ? super T> action) {
    this.name = name;
    this.wait = wait;
    this.maxWait = maxWait;
    this.leading = leading;
    this.trailing = trailing;
    this.time = time;
    this.action = action;
    this.threads = WeftThreads.virtual("weft-debounce-" + name);
  }

  private static int byTimer(State<?, ?> a, State<?, ?> b) {
    int c = Long.compare(a.timerAt - b.timerAt, 0);
    return c != 0 ? c : Long.compare(a.order, b.order);
  }

  // ---- lodash, per key; all under lock ----

  private boolean shouldInvoke(State<K, T> s, long now) {
    if (!s.called) {
      return true;
    }
    long sinceCall = now - s.lastCallTime;
    return sinceCall >= wait
        || sinceCall < 0
        || (maxWait >= 0 && (!s.invoked || now - s.lastInvokeTime >= maxWait));
  }

  private long remainingWait(State<K, T> s, long now) {
    long waiting = wait - (now - s.lastCallTime);
    if (maxWait < 0) {
      return waiting;
    }
    long maxLeft = s.invoked ? maxWait - (now - s.lastInvokeTime) : 0;
    return Math.min(waiting, maxLeft);
  }

  private Invocation<K, T> invoke(State<K, T> s, long now) {
    T arg = Objects.requireNonNull(s.lastArgs, "lastArgs"); // invoke only follows a call
    s.lastArgs = null;
    s.hasArgs = false;
    s.invoked = true;
    s.lastInvokeTime = now;
    return new Invocation<>(s.key, arg);
  }

  private @Nullable Invocation<K, T> leadingEdge(State<K, T> s, long now) {
    s.invoked = true;
    s.lastInvokeTime = now;
    setTimer(s, now + wait);
    return leading ? invoke(s, now) : null;
  }

  private @Nullable Invocation<K, T> trailingEdge(State<K, T> s, long now) {
    clearTimer(s);
    Invocation<K, T> inv = null;
    if (trailing && s.hasArgs) {
      inv = invoke(s, now);
    }
    s.lastArgs = null;
    s.hasArgs = false;
    dropOrKeep(s, now);
    return inv;
  }

  private @Nullable Invocation<K, T> timerExpired(State<K, T> s, long now) {
    if (!s.timer) { // a cleanup-only timer
      s.cleanup = false;
      dropOrKeep(s, now);
      return null;
    }
    if (shouldInvoke(s, now)) {
      return trailingEdge(s, now);
    }
    setTimer(s, now + remainingWait(s, now));
    return null;
  }

  private @Nullable Invocation<K, T> call(K key, T arg, long now) {
    State<K, T> s = states.computeIfAbsent(key, State::new);
    boolean isInvoking = shouldInvoke(s, now);
    s.lastArgs = arg;
    s.hasArgs = true;
    s.called = true;
    s.lastCallTime = now;
    if (isInvoking) {
      if (!s.timer) {
        return leadingEdge(s, now);
      }
      if (maxWait >= 0) {
        setTimer(s, now + wait);
        return invoke(s, now);
      }
    }
    if (!s.timer) {
      setTimer(s, now + wait);
    }
    return null;
  }

  /** Drops {@code s} if it is now equivalent to a fresh state, else keeps a cleanup timer. */
  private void dropOrKeep(State<K, T> s, long now) {
    if (s.timer || s.hasArgs) {
      return;
    }
    long freshAt = s.called ? s.lastCallTime + wait : now;
    if (maxWait >= 0 && s.invoked) {
      long m = s.lastInvokeTime + maxWait;
      freshAt = freshAt - m > 0 ? freshAt : m;
    }
    if (freshAt - now <= 0) {
      unlist(s);
      states.remove(s.key, s);
    } else {
      unlist(s);
      s.cleanup = true;
      list(s, freshAt);
    }
  }

  private void setTimer(State<K, T> s, long at) {
    unlist(s);
    s.cleanup = false;
    s.timer = true;
    list(s, at);
  }

  private void clearTimer(State<K, T> s) {
    unlist(s);
    s.timer = false;
    s.cleanup = false;
  }

  private void list(State<K, T> s, long at) {
    s.timerAt = at;
    s.order = seq++;
    timers.add(s);
    if (timers.first() == s) {
      wakeTimer();
    }
  }

  /** Starts the timer thread, or wakes it to look at what changed. */
  private void wakeTimer() {
    Thread t = timerThread;
    if (t == null) {
      t = threads.newThread(this::timerLoop);
      timerThread = t;
      t.start();
    } else {
      LockSupport.unpark(t);
    }
  }

  private void unlist(State<K, T> s) {
    if (s.timer || s.cleanup) {
      timers.remove(s);
    }
  }

  // ---- public operations ----

  void call(K key, T arg) {
    Objects.requireNonNull(key, "key");
    Invocation<K, T> inv;
    lock.lock();
    try {
      checkOpen();
      inv = call(key, arg, time.read());
      if (inv != null) {
        enqueue(inv);
      }
    } finally {
      lock.unlock();
    }
  }

  boolean flush(K key) throws InterruptedException {
    lock.lock();
    try {
      State<K, T> s = states.get(key);
      if (closed || s == null || !s.timer) {
        return false;
      }
      Invocation<K, T> inv = trailingEdge(s, time.read());
      if (inv == null) {
        return false;
      }
      enqueue(inv);
      Runner<K, T> r = runners.get(key);
      if (r != null && Thread.currentThread().equals(r.thread)) {
        return true; // called from the key's action itself: it runs right after this one
      }
      while (!inv.done && !closed) {
        quiet.await();
      }
      return inv.done;
    } finally {
      lock.unlock();
    }
  }

  private void enqueue(Invocation<K, T> inv) {
    Runner<K, T> r = runners.get(inv.key);
    if (r != null) {
      r.queue.addLast(inv);
      return;
    }
    Runner<K, T> fresh = new Runner<>();
    fresh.queue.addLast(inv);
    runners.put(inv.key, fresh);
    Thread t = threads.newThread(() -> runLoop(inv.key, fresh));
    fresh.thread = t;
    t.start();
  }

  void cancel(K key) {
    lock.lock();
    try {
      State<K, T> s = states.remove(key);
      if (s != null) {
        clearTimer(s);
      }
    } finally {
      lock.unlock();
    }
  }

  boolean isPending(K key) {
    lock.lock();
    try {
      State<K, T> s = states.get(key);
      return s != null && s.timer;
    } finally {
      lock.unlock();
    }
  }

  int keys() {
    lock.lock();
    try {
      return states.size();
    } finally {
      lock.unlock();
    }
  }

  void close() {
    boolean interrupted = false;
    List<Thread> ending = new ArrayList<>();
    Thread me = Thread.currentThread();
    lock.lock();
    try {
      closed = true;
      states.clear();
      timers.clear();
      Thread t = timerThread;
      if (t != null) {
        LockSupport.unpark(t);
        ending.add(t);
      }
      for (Runner<K, T> r : runners.values()) {
        r.queue.clear();
        ending.add(Objects.requireNonNull(r.thread));
      }
      while (runners.size() > (ending.contains(me) ? 1 : 0)) { // wait for the runs in progress
        try {
          quiet.await();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      lock.unlock();
    }
    for (Thread t : ending) {
      while (!t.equals(me)) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * For tests on a manual clock: waits (up to {@code patience} of real time) until no timer is due
   * and no run is decided or running, so that everything the clock's reading implies has happened.
   * Returns whether that state was reached.
   */
  boolean awaitSettled(java.time.Duration patience) throws InterruptedException {
    long left = patience.toNanos();
    lock.lock();
    try {
      while (!runners.isEmpty()
          || (!timers.isEmpty() && timers.first().timerAt - time.read() <= 0)) {
        if (left <= 0) {
          return false;
        }
        left = quiet.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("'" + name + "' is closed; the call was not accepted");
    }
  }

  private void timerLoop() {
    while (true) {
      long wake;
      lock.lock();
      try {
        if (closed || timers.isEmpty()) {
          timerThread = null;
          return;
        }
        long now = time.read();
        State<K, T> s = timers.first();
        if (s.timerAt - now <= 0) {
          timers.pollFirst(); // flags still say "listed": a later unlist no-ops
          Invocation<K, T> inv = timerExpired(s, now);
          if (inv != null) {
            enqueue(inv);
          }
          quiet.signalAll();
          continue;
        }
        wake = s.timerAt;
      } finally {
        lock.unlock();
      }
      time.parkUntil(wake); // close() and earlier timers unpark us; the loop re-checks
      Thread.interrupted(); // nobody should interrupt us; a stray interrupt must not spin
    }
  }

  /** Runs {@code key}'s decided invocations in order until none is left (or closed). */
  private void runLoop(K key, Runner<K, T> r) {
    while (true) {
      Invocation<K, T> inv;
      lock.lock();
      try {
        inv = r.queue.pollFirst();
        if (inv == null) { // close() cleared the queue too
          runners.remove(key, r);
          quiet.signalAll();
          return;
        }
      } finally {
        lock.unlock();
      }
      try {
        action.accept(inv.key, inv.arg);
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.WARNING, "'" + name + "' action failed", e);
      } finally {
        lock.lock();
        try {
          inv.done = true;
          quiet.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }
  }
}
