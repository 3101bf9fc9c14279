package dev.weft.observe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Every thread weft makes comes from here or is listed through here: it gets a name that says who
 * made it ({@code weft-queue-orders-3}) and is listed by {@link #live()} from creation until its
 * task returns. A structured call of weft leaves none behind once it returns; leak checks and
 * diagnostics read the list. Users may take these factories for threads of their own that they want
 * listed.
 *
 * <p>A component that starts many short threads of its own (a {@code dev.weft.task.Scope} forks
 * thousands, all named {@code weft-scope}: a name per thread was measured to cost a fifth of a
 * 10,000-task fan-out) lists them as one {@link Group} instead, which {@link #live()} asks for its
 * threads: one entry per group rather than one per thread, measured to take a tenth off such a
 * fan-out.
 *
 * <p>Thread-safe; {@link #live()} returns a fresh snapshot each call. Listing a thread or a group
 * costs one compare-and-set on a list shared by the threads that make threads on the same stripe,
 * and unlisting a thread one ordered write, with no hashing and no allocation besides the entry.
 *
 * {@snippet :
 * ThreadFactory workers = WeftThreads.virtual("weft-queue-orders");
 * Thread t = workers.newThread(() -> process()); // named weft-queue-orders-0
 * t.start();
 * }
 */
public final class WeftThreads {

  /*
   * Overview for maintainers.
   *
   * The live list is striped by the id of the thread that makes threads (so one fan-out loop
   * always pushes onto the same stripe, and unrelated makers rarely share one). Each stripe is a
   * Treiber stack of entries: a Tracked node per thread made (the node is also the Runnable its
   * thread runs) or a GroupEntry per listed group. A thread is listed from newThread (push: one
   * CAS on the stripe's head) until its task returns (one release write clearing the node's
   * `thread`). Dead entries are unlinked by a sweep that a pushing thread runs once its stripe has
   * grown by max(1024, live entries at the last sweep) entries since that sweep, so memory stays
   * proportional to the live threads and groups and the sweep costs O(1) amortized per push. One
   * sweep at a time per stripe; it never writes the head (only pushes do) and unlinks an entry by
   * pointing its predecessor past it, leaving the entry's own `next` intact, so a reader standing
   * on an unlinked entry still reaches the rest of the stack.
   *
   * A Group is one entry (GroupEntry) whatever its number of threads. A sweep drops it once the
   * group is idle (so a scope never closed, whose forks all returned, holds no memory here), and
   * its Listing pushes a new entry when the group gets a thread again (see Listing.drop).
   *
   * Measured (BENCHMARKS.md, "Structured tasks"): in a 10,000-task fan-out, listing the threads in
   * a ConcurrentHashMap set cost several times what this stack costs, and sweeping one entry per
   * thread (a cache miss each, as the entries were last written by the finishing threads) still
   * cost about a tenth of the fan-out; a scope's forks are therefore listed as one group.
   */

  private static final VarHandle HEAD;
  private static final VarHandle SWEEPING;
  private static final VarHandle NEXT;
  private static final VarHandle THREAD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(Stripe.class, "head", Entry.class);
      SWEEPING = l.findVarHandle(Stripe.class, "sweeping", boolean.class);
      NEXT = l.findVarHandle(Entry.class, "next", Entry.class);
      THREAD = l.findVarHandle(Tracked.class, "thread", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int MIN_SWEEP_INTERVAL = 1024;

  // the least growth of a stripe between sweeps; lowered by WeftThreadsTest to sweep at every push
  static volatile int minSweepInterval = MIN_SWEEP_INTERVAL;
  private static final Stripe[] STRIPES = new Stripe[16];

  static {
    for (int i = 0; i < STRIPES.length; i++) {
      STRIPES[i] = new Stripe();
    }
  }

  private WeftThreads() {}

  /** {@return a factory of virtual threads named {@code prefix-0}, {@code prefix-1}, ...} */
  public static ThreadFactory virtual(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return new Factory(Thread.ofVirtual().name(prefix + "-", 0).factory());
  }

  /** {@return a factory of platform threads named {@code prefix-0}, {@code prefix-1}, ...} */
  public static ThreadFactory platform(String prefix, boolean daemon) {
    Objects.requireNonNull(prefix, "prefix");
    return new Factory(Thread.ofPlatform().name(prefix + "-", 0).daemon(daemon).factory());
  }

  /**
   * Waits until {@code thread} has ended, going on waiting when interrupted, and restores the
   * interrupt flag afterwards if it was interrupted: for a {@code close()} that must not return
   * while its thread runs.
   *
   * @param thread the thread to wait for
   */
  public static void joinUninterruptibly(Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * {@return the threads these factories made whose task has not yet returned, and the live threads
   * of every listed group}
   */
  public static List<Thread> live() {
    List<Thread> out = new ArrayList<>();
    for (Stripe s : STRIPES) {
      for (Entry n = (Entry) HEAD.getVolatile(s); n != null; n = (Entry) NEXT.getAcquire(n)) {
        n.addLiveTo(out);
      }
    }
    return List.copyOf(new LinkedHashSet<>(out)); // a group may briefly have two entries
  }

  /**
   * {@return the listed groups that are not idle now, each once} For diagnostics that describe what
   * a group runs (the task tree of {@code dev.weft.task.TaskTree}).
   */
  public static List<Group> groups() {
    Set<Group> out = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Stripe s : STRIPES) {
      for (Entry n = (Entry) HEAD.getVolatile(s); n != null; n = (Entry) NEXT.getAcquire(n)) {
        if (n instanceof GroupEntry g && !g.listing.group.isIdle()) {
          out.add(g.listing.group);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * {@return a listing of {@code group}'s threads by {@link #live()}, to be told of each new
   * thread} The group is one entry of the live list while it has a live thread; once it is idle a
   * sweep drops it, and {@link Listing#ensureListed()} puts it back.
   *
   * @param group the threads to list as one entry
   */
  public static Listing listing(Group group) {
    return new Listing(Objects.requireNonNull(group, "group"));
  }

  private static Stripe stripe() {
    return STRIPES[(int) Thread.currentThread().threadId() & (STRIPES.length - 1)];
  }

  /**
   * Threads that a component starts and tracks itself, listed by {@link #live()} as one entry. Its
   * methods are called from any thread, concurrently with the component, and must not block.
   *
   * {@snippet :
   * final class Workers implements WeftThreads.Group {
   *   private final Set<Thread> running = ConcurrentHashMap.newKeySet();
   *   private final WeftThreads.Listing listing = WeftThreads.listing(this);
   *
   *   void start(Runnable task) {
   *     Thread t = Thread.ofVirtual().unstarted(() -> {
   *       try { task.run(); } finally { running.remove(Thread.currentThread()); }
   *     });
   *     running.add(t);          // visible to addLiveTo and isIdle ...
   *     listing.ensureListed();  // ... before the listing is checked
   *     t.start();
   *   }
   *
   *   public void addLiveTo(List<Thread> out) { out.addAll(running); }
   *   public boolean isIdle() { return running.isEmpty(); }
   * }
   * }
   */
  public interface Group {
    /**
     * Adds each thread of the group whose task has not returned (a snapshot; a thread that is
     * starting or ending at the same moment may be in it or not).
     *
     * @param out where to add them
     */
    void addLiveTo(List<Thread> out);

    /**
     * {@return whether no thread of the group is live now} Read with volatile semantics: a thread
     * made visible by a volatile write before {@link Listing#ensureListed()} makes it {@code
     * false}.
     */
    boolean isIdle();
  }

  /**
   * A group's place in the live list. Not thread-safe: one thread (the group's owner) calls {@link
   * #ensureListed()}.
   */
  public static final class Listing {
    private final Group group;
    private volatile boolean listed;

    private Listing(Group group) {
      this.group = group;
    }

    /**
     * Lists the group if a sweep dropped it (or it was never listed). Call it after a new thread
     * became visible through {@link Group#addLiveTo} and {@link Group#isIdle()}, and before the
     * thread starts. Costs one volatile read while the group stays listed.
     */
    public void ensureListed() {
      if (!listed) {
        listed = true;
        stripe().push(new GroupEntry(this));
      }
    }

    /*
     * Sweeper: drops the entry only if the group is idle after `listed` was cleared. The owner
     * makes a thread visible and then reads `listed`; the sweeper clears `listed` and then reads
     * whether the group is idle: either the sweeper sees the new thread (and keeps the entry) or
     * the owner sees `listed` cleared (and pushes a new entry). Both may happen; then two entries
     * list the group until sweeps drop them, and live() reports each thread once.
     */
    boolean drop() {
      if (!group.isIdle()) {
        return false;
      }
      listed = false;
      if (group.isIdle()) {
        return true;
      }
      listed = true;
      return false;
    }
  }

  /** Makes threads with a JDK factory and lists each until its task returns. */
  private static final class Factory implements ThreadFactory {
    private final ThreadFactory threads;

    Factory(ThreadFactory threads) {
      this.threads = threads;
    }

    @Override
    public Thread newThread(Runnable task) {
      Objects.requireNonNull(task, "task");
      Tracked node = new Tracked(task);
      Thread thread = threads.newThread(node);
      THREAD.set(node, thread); // published by the CAS in push
      stripe().push(node);
      return thread;
    }
  }

  /** One stripe of the live list. */
  private static final class Stripe {
    @SuppressWarnings("UnusedVariable") // accessed through HEAD
    private volatile @Nullable Entry head;

    @SuppressWarnings("UnusedVariable") // accessed through SWEEPING
    private volatile boolean sweeping;

    private volatile long sweepAt = MIN_SWEEP_INTERVAL;

    void push(Entry node) {
      Entry h;
      do {
        h = (Entry) HEAD.getVolatile(this);
        NEXT.set(node, h); // published by the CAS
        node.depth = h == null ? 1 : h.depth + 1;
      } while (!HEAD.compareAndSet(this, h, node));
      if (node.depth >= sweepAt && SWEEPING.compareAndSet(this, false, true)) {
        try {
          sweep(node);
        } finally {
          SWEEPING.setVolatile(this, false);
        }
      }
    }

    /** Unlinks the dead nodes after {@code from} (which stays, as may the head). */
    private void sweep(Entry from) {
      long live = 1;
      Entry prev = from;
      Entry n = (Entry) NEXT.getAcquire(from);
      while (n != null) {
        Entry after = (Entry) NEXT.getAcquire(n);
        if (n.isDead()) {
          NEXT.setRelease(prev, after);
        } else {
          prev = n;
          live++;
        }
        n = after;
      }
      sweepAt = from.depth + Math.max(minSweepInterval, live);
    }
  }

  /** One entry of a stripe. */
  private abstract static class Entry {
    @SuppressWarnings("UnusedVariable") // accessed through NEXT
    private volatile @Nullable Entry next;

    long depth; // entries pushed on the stripe before this one, plus one; set before publish

    abstract void addLiveTo(List<Thread> out);

    abstract boolean isDead();
  }

  /** A group's entry. */
  private static final class GroupEntry extends Entry {
    private final Listing listing;

    GroupEntry(Listing listing) {
      this.listing = listing;
    }

    @Override
    void addLiveTo(List<Thread> out) {
      listing.group.addLiveTo(out);
    }

    @Override
    boolean isDead() {
      return listing.drop();
    }
  }

  /** One thread made here: the Runnable it runs, and its entry in the live list. */
  private static final class Tracked extends Entry implements Runnable {
    private @Nullable Runnable task;

    @SuppressWarnings("UnusedVariable") // accessed through THREAD
    private volatile @Nullable Thread thread;

    Tracked(Runnable task) {
      this.task = task;
    }

    @Override
    void addLiveTo(List<Thread> out) {
      Thread t = (Thread) THREAD.getAcquire(this);
      if (t != null) {
        out.add(t);
      }
    }

    @Override
    boolean isDead() {
      return THREAD.getAcquire(this) == null;
    }

    @Override
    public void run() {
      Runnable t = task;
      try {
        if (t != null) {
          t.run();
        }
      } finally {
        task = null; // a dead node waiting for the sweep holds on to nothing
        THREAD.setRelease(this, null);
      }
    }
  }
}
