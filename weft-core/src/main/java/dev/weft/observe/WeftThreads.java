package dev.weft.observe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Every thread weft makes comes from here: it gets a name that says who made it ({@code
 * weft-queue-orders-3}) and is listed by {@link #live()} from creation until its task returns. A
 * structured call of weft leaves none behind once it returns; leak checks and diagnostics read the
 * list. Users may take these factories for threads of their own that they want listed.
 *
 * <p>{@link #virtual(String)} numbers its threads; {@link #virtualUnnumbered(String)} gives them
 * all one name, for fan-outs of thousands of short threads, where building a name per thread was
 * measured to cost a fifth of the fan-out's time (a thread dump still tells them apart by id).
 *
 * <p>Thread-safe; {@link #live()} returns a fresh snapshot each call. Listing a thread costs one
 * compare-and-set on a list shared by the threads that make threads on the same stripe, and
 * unlisting it one ordered write, with no hashing and no allocation besides the thread's own
 * wrapper.
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
   * Treiber stack of Tracked nodes, one per thread made; the node is also the Runnable its thread
   * runs. A thread is listed from newThread (push: one CAS on the stripe's head) until its task
   * returns (one release write clearing the node's `thread`). Dead nodes are unlinked by a sweep
   * that a pushing thread runs once its stripe has grown by max(1024, live nodes at the last sweep)
   * nodes since that sweep, so memory stays proportional to the live threads and the sweep costs
   * O(1) amortized per push. One sweep at a time per stripe; it never writes the head (only pushes
   * do) and unlinks a node by pointing its predecessor past it, leaving the node's own `next`
   * intact, so a reader standing on an unlinked node still reaches the rest of the stack.
   *
   * Measured (BENCHMARKS.md, "Structured tasks"): in a 10,000-task fan-out, listing the threads in
   * a ConcurrentHashMap set cost several times what this stack costs.
   */

  private static final VarHandle HEAD;
  private static final VarHandle SWEEPING;
  private static final VarHandle NEXT;
  private static final VarHandle THREAD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(Stripe.class, "head", Tracked.class);
      SWEEPING = l.findVarHandle(Stripe.class, "sweeping", boolean.class);
      NEXT = l.findVarHandle(Tracked.class, "next", Tracked.class);
      THREAD = l.findVarHandle(Tracked.class, "thread", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int MIN_SWEEP_INTERVAL = 1024;
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

  /**
   * {@return a factory of virtual threads all named {@code name}} For fan-outs of many short
   * threads (a {@code dev.weft.task.Scope}'s forks), where a name per thread costs more than it
   * tells.
   */
  public static ThreadFactory virtualUnnumbered(String name) {
    Objects.requireNonNull(name, "name");
    return new Factory(Thread.ofVirtual().name(name).factory());
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

  /** {@return the threads these factories made whose task has not yet returned} */
  public static List<Thread> live() {
    List<Thread> out = new ArrayList<>();
    for (Stripe s : STRIPES) {
      for (Tracked n = (Tracked) HEAD.getVolatile(s); n != null; n = (Tracked) NEXT.getAcquire(n)) {
        Thread t = (Thread) THREAD.getAcquire(n);
        if (t != null) {
          out.add(t);
        }
      }
    }
    return List.copyOf(out);
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
      Stripe s = STRIPES[(int) Thread.currentThread().threadId() & (STRIPES.length - 1)];
      s.push(node);
      return thread;
    }
  }

  /** One stripe of the live list. */
  private static final class Stripe {
    @SuppressWarnings("UnusedVariable") // accessed through HEAD
    private volatile @Nullable Tracked head;

    @SuppressWarnings("UnusedVariable") // accessed through SWEEPING
    private volatile boolean sweeping;

    private volatile long sweepAt = MIN_SWEEP_INTERVAL;

    void push(Tracked node) {
      Tracked h;
      do {
        h = (Tracked) HEAD.getVolatile(this);
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
    private void sweep(Tracked from) {
      long live = 1;
      Tracked prev = from;
      Tracked n = (Tracked) NEXT.getAcquire(from);
      while (n != null) {
        Tracked after = (Tracked) NEXT.getAcquire(n);
        if (THREAD.getAcquire(n) == null) {
          NEXT.setRelease(prev, after);
        } else {
          prev = n;
          live++;
        }
        n = after;
      }
      sweepAt = from.depth + Math.max(MIN_SWEEP_INTERVAL, live);
    }
  }

  /** One thread made here: the Runnable it runs, and its entry in the live list. */
  private static final class Tracked implements Runnable {
    private @Nullable Runnable task;

    @SuppressWarnings("UnusedVariable") // accessed through THREAD
    private volatile @Nullable Thread thread;

    @SuppressWarnings("UnusedVariable") // accessed through NEXT
    private volatile @Nullable Tracked next;

    private long depth; // nodes pushed on the stripe before this one, plus one; set before publish

    Tracked(Runnable task) {
      this.task = task;
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
