package dev.weft.diagnose;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Finds threads that are deadlocked: each waits for a lock that the next one holds, round a cycle.
 * Covers platform and virtual threads, {@code synchronized} monitors and {@code
 * java.util.concurrent} locks (with the limit below). {@link #find()} looks once; {@link
 * #watch(Duration)} looks periodically on a watchdog thread and reports each new deadlock once.
 *
 * <p>Stateless and thread-safe. A look costs a full thread dump (about a millisecond per thousand
 * threads, plus a temporary file), so keep watch intervals in seconds.
 *
 * {@snippet :
 * try (Deadlocks.Watch watch = Deadlocks.watch(Duration.ofSeconds(10))) { // logs at ERROR
 *   runServer();
 * }
 * List<Deadlocks.Deadlock> now = Deadlocks.find();
 * now.forEach(d -> System.err.println(d.report()));
 * }
 *
 * <p><b>What is detected.</b> A cycle whose every edge is one of:
 *
 * <ul>
 *   <li>a thread, platform or virtual, blocked entering a {@code synchronized} monitor, and the
 *       thread, platform or virtual, that owns it;
 *   <li>a thread, platform or virtual, parked on a {@code java.util.concurrent} lock (an {@code
 *       AbstractOwnableSynchronizer} such as {@code ReentrantLock} or the write lock of a {@code
 *       ReentrantReadWriteLock}) owned by a <em>platform</em> thread.
 * </ul>
 *
 * <p><b>What is not detected.</b> A {@code java.util.concurrent} lock owned by a <em>virtual</em>
 * thread: JDK 25 records the lock a virtual thread parks on, but not which thread owns an ownable
 * synchronizer when that thread is virtual ({@code ThreadMXBean} ignores virtual threads, and the
 * JSON thread dump leaves the owner out), so a cycle through such a lock cannot be proven and is
 * not reported. Nor are waits on things that have no owner: {@code Object.wait}, {@code
 * Condition.await}, semaphores, latches, futures, queues, read locks; nor livelocks, nor
 * starvation.
 *
 * <p>Overview for maintainers: a look builds one wait-for graph. Nodes and "waits for" edges come
 * from the JSON thread dump of {@link HotSpotDiagnosticMXBean#dumpThreads}, which lists virtual
 * threads too: {@code blockedOn} (a monitor) and {@code parkBlocker} (a lock), and owners of
 * monitors from {@code monitorsOwned}. Owners of ownable synchronizers come from {@code
 * ThreadMXBean.dumpAllThreads(true, true)} (platform threads only). Locks are matched by their
 * identity string ({@code Class@hash}), which both sources print. Each thread waits for at most one
 * lock, so cycles are found by walking successors. The dumps are not atomic snapshots, so a
 * transient chain could look like a cycle: {@link #find()} looks twice and reports only cycles seen
 * both times (a real deadlock never goes away). If the JSON dump fails, the look falls back to
 * {@code ThreadMXBean} alone (platform threads).
 */
public final class Deadlocks {

  private static final System.Logger LOG = System.getLogger("dev.weft.diagnose");
  private static final int MAX_FRAMES = 24;

  private Deadlocks() {}

  /**
   * One thread of a deadlock, with the lock it waits for and who holds that lock.
   *
   * @param threadId the thread's id
   * @param threadName the thread's name
   * @param virtual whether it is a virtual thread
   * @param state its state, such as {@code BLOCKED} or {@code WAITING}
   * @param waitsFor the lock it waits for, as {@code Class@identityHash}
   * @param ownerId the id of the thread that holds {@code waitsFor}: the next thread of the cycle
   * @param ownerName that thread's name
   * @param holds the locks it holds (monitors and, for platform threads, ownable synchronizers)
   * @param stack its stack, innermost frame first, as the thread dump prints frames
   */
  public record Blocked(
      long threadId,
      String threadName,
      boolean virtual,
      String state,
      String waitsFor,
      long ownerId,
      String ownerName,
      List<String> holds,
      List<String> stack) {
    /** Copies the lists. */
    public Blocked {
      holds = List.copyOf(holds);
      stack = List.copyOf(stack);
    }
  }

  /**
   * A deadlock: {@code cycle.get(i)} waits for a lock held by {@code cycle.get(i + 1)}, and the
   * last waits for one held by the first. An immutable value.
   *
   * @param cycle the threads, in wait order, starting from the lowest thread id
   */
  public record Deadlock(List<Blocked> cycle) {
    /** Copies the list. */
    public Deadlock {
      cycle = List.copyOf(cycle);
    }

    /** {@return the names of the threads in the cycle} */
    public List<String> threadNames() {
      return cycle.stream().map(Blocked::threadName).toList();
    }

    /** {@return a multi-line report: the cycle, then each thread with locks and stack} */
    public String report() {
      StringBuilder sb =
          new StringBuilder("Deadlock of ").append(cycle.size()).append(" threads: ");
      sb.append(
          cycle.stream()
              .map(b -> "\"" + b.threadName() + "\"")
              .collect(Collectors.joining(" -> ")));
      sb.append(" -> \"").append(cycle.getFirst().threadName()).append("\"\n");
      for (Blocked b : cycle) {
        sb.append("  \"").append(b.threadName()).append("\" #").append(b.threadId());
        sb.append(b.virtual() ? " virtual " : " platform ").append(b.state()).append('\n');
        sb.append("    waits for ").append(b.waitsFor());
        sb.append(" held by \"").append(b.ownerName()).append("\" #").append(b.ownerId());
        sb.append('\n');
        for (String h : b.holds()) {
          sb.append("    holds ").append(h).append('\n');
        }
        for (String frame : b.stack()) {
          sb.append("      at ").append(frame).append('\n');
        }
      }
      return sb.toString();
    }

    private String key() {
      return cycle.stream()
          .map(b -> b.threadId() + ":" + b.waitsFor())
          .collect(Collectors.toCollection(TreeSet::new))
          .toString();
    }
  }

  /**
   * {@return the deadlocks present now, empty if none}. Looks twice and keeps the cycles seen both
   * times. Blocks for the two thread dumps; does not respond to interrupts.
   */
  public static List<Deadlock> find() {
    List<Deadlock> first = scan();
    if (first.isEmpty()) {
      return first;
    }
    Set<String> seen = new HashSet<>();
    first.forEach(d -> seen.add(d.key()));
    return scan().stream().filter(d -> seen.contains(d.key())).toList();
  }

  /**
   * {@return a watchdog that looks for deadlocks every {@code interval} and logs each new one once
   * at {@code ERROR} on the {@code System.Logger} named {@code dev.weft.diagnose}}
   *
   * @param interval time between looks; positive
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public static Watch watch(Duration interval) {
    return watch(interval, TimeSource.system(), Deadlocks::log);
  }

  /**
   * {@return a watchdog that looks for deadlocks every {@code interval} and hands each new one,
   * once, to {@code onDeadlock}}
   *
   * @param interval time between looks; positive
   * @param onDeadlock receives each new deadlock on the watchdog's thread; what it throws is logged
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public static Watch watch(Duration interval, Consumer<Deadlock> onDeadlock) {
    return watch(interval, TimeSource.system(), onDeadlock);
  }

  /**
   * {@return a watchdog that looks every {@code interval} of {@code time}} The watchdog runs on a
   * daemon platform thread named {@code weft-deadlocks-N} (not a virtual thread: it must run even
   * when every carrier thread is stuck), until {@link Watch#close()}.
   *
   * @param interval time between looks; positive
   * @param time the clock to wait on
   * @param onDeadlock receives each new deadlock on the watchdog's thread; what it throws is logged
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public static Watch watch(Duration interval, TimeSource time, Consumer<Deadlock> onDeadlock) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be > 0, was " + interval);
    }
    return new Watch(interval, Objects.requireNonNull(time, "time"), onDeadlock);
  }

  private static void log(Deadlock d) {
    LOG.log(System.Logger.Level.ERROR, d.report());
  }

  /** A running deadlock watchdog. Thread-safe; {@link #close()} stops it. */
  public static final class Watch implements AutoCloseable {
    private final Duration interval;
    private final TimeSource time;
    private final Consumer<Deadlock> onDeadlock;
    private final Set<String> reported = new HashSet<>(); // confined to the watchdog thread
    private final Thread thread;
    private volatile boolean closed;

    private Watch(Duration interval, TimeSource time, Consumer<Deadlock> onDeadlock) {
      this.interval = interval;
      this.time = time;
      this.onDeadlock = Objects.requireNonNull(onDeadlock, "onDeadlock");
      this.thread = WeftThreads.platform("weft-deadlocks", true).newThread(this::loop);
      thread.start();
    }

    private void loop() {
      long next = time.readAfter(interval);
      while (!closed) {
        time.parkUntil(next);
        if (closed) {
          return;
        }
        if (time.read() - next >= 0) {
          for (Deadlock d : find()) {
            if (reported.add(d.key())) {
              try {
                onDeadlock.accept(d);
              } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "deadlock handler failed", e);
              }
            }
          }
          next = time.readAfter(interval);
        }
      }
    }

    /**
     * Stops the watchdog and waits for its thread to end (at most one look). If interrupted while
     * waiting, keeps waiting and restores the interrupt flag. Idempotent.
     */
    @Override
    public void close() {
      closed = true;
      LockSupport.unpark(thread);
      WeftThreads.joinUninterruptibly(thread);
    }

    @Override
    public String toString() {
      return "Deadlocks.Watch[every " + interval + (closed ? ", closed]" : "]");
    }
  }

  // ---- one look -------------------------------------------------------------------------------

  private record Node(
      long tid,
      String name,
      boolean virtual,
      String state,
      @Nullable String waitsFor,
      List<String> holds,
      List<String> stack) {}

  static List<Deadlock> scan() {
    Map<Long, Node> nodes = new LinkedHashMap<>();
    Map<String, Long> owners = new HashMap<>();
    Map<Long, List<String>> syncsHeld = new HashMap<>();
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      if (info == null) {
        continue;
      }
      long tid = info.getThreadId();
      List<String> held = new ArrayList<>();
      for (MonitorInfo m : info.getLockedMonitors()) {
        owners.put(m.toString(), tid);
        held.add(m.toString());
      }
      List<String> syncs = new ArrayList<>();
      for (LockInfo s : info.getLockedSynchronizers()) {
        owners.put(s.toString(), tid);
        syncs.add(s.toString());
      }
      syncsHeld.put(tid, syncs);
      held.addAll(syncs);
      LockInfo waiting = info.getLockInfo();
      boolean edge =
          waiting != null
              && (info.getThreadState() == Thread.State.BLOCKED || info.getLockOwnerId() != -1);
      List<String> stack = new ArrayList<>();
      for (StackTraceElement e : info.getStackTrace()) {
        if (stack.size() < MAX_FRAMES) {
          stack.add(e.toString());
        }
      }
      nodes.put(
          tid,
          new Node(
              tid,
              info.getThreadName(),
              false,
              info.getThreadState().name(),
              edge ? waiting.toString() : null,
              held,
              stack));
      if (edge && info.getLockOwnerId() != -1) {
        owners.putIfAbsent(waiting.toString(), info.getLockOwnerId());
      }
    }
    try {
      readJsonDump(nodes, owners, syncsHeld);
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "JSON thread dump failed; looking at platform threads only: " + e);
    }
    return cycles(nodes, owners);
  }

  private static void readJsonDump(
      Map<Long, Node> nodes, Map<String, Long> owners, Map<Long, List<String>> syncsHeld)
      throws IOException {
    HotSpotDiagnosticMXBean bean =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    Path dir = Files.createTempDirectory("weft-deadlocks");
    Path file = dir.resolve("threads.json");
    String text;
    try {
      bean.dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
      text = Files.readString(file);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
    Object dump = Json.get(Json.parse(text), "threadDump");
    for (Object container : Json.list(dump, "threadContainers")) {
      for (Object t : Json.list(container, "threads")) {
        String id = Json.string(t, "tid");
        if (id == null) {
          continue;
        }
        long tid = Long.parseLong(id);
        List<String> held = new ArrayList<>();
        for (Object m : Json.list(t, "monitorsOwned")) {
          for (Object lock : Json.list(m, "locks")) {
            if (lock instanceof String l) {
              owners.put(l, tid);
              held.add(l);
            }
          }
        }
        held.addAll(syncsHeld.getOrDefault(tid, List.of()));
        String waits = Json.string(t, "blockedOn");
        if (waits == null) {
          waits = Json.string(Json.get(t, "parkBlocker"), "object");
        }
        List<String> stack = new ArrayList<>();
        for (Object f : Json.list(t, "stack")) {
          if (stack.size() < MAX_FRAMES && f instanceof String frame) {
            stack.add(frame);
          }
        }
        String name = Json.string(t, "name");
        String state = Json.string(t, "state");
        nodes.put(
            tid,
            new Node(
                tid,
                name == null ? "#" + tid : name,
                Boolean.TRUE.equals(Json.get(t, "virtual")),
                state == null ? "UNKNOWN" : state,
                waits,
                held,
                stack));
      }
    }
  }

  private static List<Deadlock> cycles(Map<Long, Node> nodes, Map<String, Long> owners) {
    Map<Long, Long> next = new HashMap<>();
    for (Node n : nodes.values()) {
      if (n.waitsFor() != null) {
        Long owner = owners.get(n.waitsFor());
        if (owner != null && owner != n.tid() && nodes.containsKey(owner)) {
          next.put(n.tid(), owner);
        }
      }
    }
    List<Deadlock> found = new ArrayList<>();
    Set<Long> done = new HashSet<>();
    for (Long start : next.keySet()) {
      if (done.contains(start)) {
        continue;
      }
      // walk until we leave the graph, meet a finished node, or come back on our own path
      Map<Long, Integer> path = new LinkedHashMap<>();
      Long at = start;
      while (at != null && !done.contains(at) && !path.containsKey(at)) {
        path.put(at, path.size());
        at = next.get(at);
      }
      if (at != null && path.containsKey(at)) {
        List<Long> ring = new ArrayList<>(path.keySet()).subList(path.get(at), path.size());
        found.add(deadlock(ring, nodes, next));
      }
      done.addAll(path.keySet());
    }
    return found;
  }

  private static Deadlock deadlock(List<Long> ring, Map<Long, Node> nodes, Map<Long, Long> next) {
    long lowest = ring.stream().mapToLong(Long::longValue).min().orElseThrow();
    List<Blocked> cycle = new ArrayList<>();
    long at = lowest;
    do {
      Node n = Objects.requireNonNull(nodes.get(at));
      long owner = Objects.requireNonNull(next.get(at));
      Node o = Objects.requireNonNull(nodes.get(owner));
      cycle.add(
          new Blocked(
              n.tid(),
              n.name(),
              n.virtual(),
              n.state(),
              Objects.requireNonNull(n.waitsFor()),
              owner,
              o.name(),
              n.holds(),
              n.stack()));
      at = owner;
    } while (at != lowest);
    return new Deadlock(cycle);
  }
}
