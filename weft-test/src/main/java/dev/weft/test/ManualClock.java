package dev.weft.test;

import dev.weft.time.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link TimeSource} that moves only when a test {@linkplain #advance(Duration) advances} it.
 * Threads that park or sleep on it wake when the clock passes their deadline, in the thread that
 * advanced it, so timed code runs deterministically and tests never sleep.
 *
 * <p>Thread-safe. Memory consistency effects: actions of a thread before it calls {@link
 * #advance(Duration)} happen-before the actions of a thread that returns from parking because of
 * that advance.
 *
 * {@snippet :
 * ManualClock clock = new ManualClock();
 * Thread sleeper = Thread.ofVirtual().start(() -> clock.sleep(Duration.ofSeconds(5)));
 * clock.awaitParked(1);                 // the sleeper is now blocked on the clock
 * clock.advance(Duration.ofSeconds(5)); // and wakes
 * sleeper.join();
 * }
 *
 * <p>Overview for maintainers. {@code now} is volatile and written only under {@code lock}, which
 * serializes advances. The park/unpark handshake has two invariants:
 *
 * <ol>
 *   <li>No lost advance: a parking thread writes its deadline into {@code parked}, then re-reads
 *       {@code now}, and parks only if the deadline is still ahead; {@code advance} writes {@code
 *       now}, then reads {@code parked} and unparks every thread whose deadline passed (both sides
 *       write, then read the other's variable: Dekker). So an advance that races with a parking
 *       thread either is seen by the re-read or finds the record and unparks it, and {@code
 *       LockSupport}'s permit makes the later park return at once.
 *   <li>No swallowed unpark: between entering {@code parkUntil} and its {@code LockSupport.park}, a
 *       parking thread never blocks on anything that parks through {@code LockSupport} (a {@code
 *       ReentrantLock}, a {@code Condition}). Code under test unparks its waiters directly (a
 *       {@code Gate} granting permits), and such an unpark may arrive at any moment, even before
 *       {@code parkUntil} is entered; a lock acquisition that parked would consume its permit and
 *       the thread would then park until the deadline, perhaps forever. So parkers take no lock
 *       ({@code ConcurrentHashMap}'s bin locks are monitors, which do not use that permit): they
 *       tell {@link #awaitParked(int)} callers about a change by unparking the threads in {@code
 *       watchers}, which never blocks. A watcher adds itself to {@code watchers}, then reads {@code
 *       parked}; a parker writes {@code parked}, then reads {@code watchers} (Dekker again), so a
 *       watcher cannot miss the change it waits for.
 * </ol>
 *
 * After the park returns the thread may block on anything: callers re-check their own condition
 * after every return of {@code parkUntil}, so a permit consumed then is not lost.
 */
public final class ManualClock implements TimeSource {

  /** How long {@link #awaitParked(int)} waits, in real time, before it fails the test. */
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Thread, Long> parked = new ConcurrentHashMap<>();
  private final Set<Thread> watchers = ConcurrentHashMap.newKeySet(); // in awaitParked
  private final Instant wallStart;
  private volatile long now;

  /** Creates a clock reading 0 nanoseconds, at wall time 2026-01-01T00:00:00Z. */
  public ManualClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /**
   * Creates a clock reading 0 nanoseconds, at wall time {@code wallStart}.
   *
   * @param wallStart the wall-clock time at reading 0
   */
  public ManualClock(Instant wallStart) {
    this.wallStart = Objects.requireNonNull(wallStart, "wallStart");
  }

  @Override
  public long read() {
    return now;
  }

  @Override
  public Instant wallTime() {
    return wallStart.plusNanos(now);
  }

  @Override
  public void parkUntil(long deadline) {
    Thread me = Thread.currentThread();
    if (now - deadline >= 0 || me.isInterrupted()) {
      return;
    }
    parked.put(me, deadline);
    signalChanged();
    try {
      if (now - deadline < 0) {
        LockSupport.park(this);
      }
    } finally {
      parked.remove(me);
      signalChanged();
    }
  }

  /**
   * Moves the clock forward by {@code duration} and wakes every thread whose deadline it passed.
   *
   * @param duration how far to move; zero wakes threads whose deadline is now
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must be >= 0, was " + duration);
    }
    long target;
    lock.lock();
    try {
      target = now + TimeSource.saturatedNanos(duration);
      now = target;
    } finally {
      lock.unlock();
    }
    parked.forEach((thread, deadline) -> {
      if (target - deadline >= 0) {
        LockSupport.unpark(thread);
      }
    });
  }

  /** {@return how many threads are parked or sleeping on this clock right now} */
  public int parkedCount() {
    return parked.size();
  }

  /**
   * Blocks until at least {@code count} threads are parked on this clock, so that a test advances
   * it only once the code under test is waiting.
   *
   * <p>Returns normally when that many are parked; throws {@link AssertionError} after 30 seconds
   * of real time (a hung test, not a timing check), and {@link InterruptedException} on interrupt.
   *
   * @param count how many parked threads to wait for
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitParked(int count) throws InterruptedException {
    Thread me = Thread.currentThread();
    long patience = PATIENCE.toNanos();
    TimeSource real = TimeSource.system(); // a hang guard, not the clock under test
    long start = real.read();
    watchers.add(me);
    try {
      while (parked.size() < count) {
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while waiting for " + count + " parked");
        }
        long left = patience - (real.read() - start);
        if (left <= 0) {
          throw new AssertionError(
              "expected " + count + " threads parked on the clock, saw " + parked.keySet());
        }
        LockSupport.parkNanos(this, left);
      }
    } finally {
      watchers.remove(me);
    }
  }

  /** Wakes the threads in awaitParked; never blocks, so a parker may call it before parking. */
  private void signalChanged() {
    for (Thread w : watchers) {
      LockSupport.unpark(w);
    }
  }

  @Override
  public String toString() {
    return "ManualClock[" + Duration.ofNanos(now) + ", " + parked.size() + " parked]";
  }
}
