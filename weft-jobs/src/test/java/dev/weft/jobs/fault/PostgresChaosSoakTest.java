package dev.weft.jobs.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tagged soak, every fault at once on PostgreSQL: 20,000 jobs drained by three worker JVMs while a
 * chaos driver SIGKILLs a random worker every few seconds (and starts a fresh one in its place),
 * restarts PostgreSQL twice ({@code pg_ctl restart -m fast}) during the drain, and black-holes a
 * connection of the worker that reaches the database through a {@link DroppingProxy} at every tick.
 * No job may be lost, a job may run twice only if one of its earlier runs was in flight at a kill,
 * a restart or a drop, nothing may be left {@code running}, and the store's counts must agree with
 * the workers' markers. Uses a PostgreSQL of its own (it restarts it). Prints its figures on one
 * line starting {@code SOAK postgres}.
 */
@Tag("soak")
class PostgresChaosSoakTest extends KillTestBase {

  static final int JOBS = 20_000;
  static final int WORKERS = 3;
  static final int RESTARTS = 2;
  static final long TICK_MS = 2500;

  /** The url's socketTimeout: a black-holed connection fails after this long. */
  static final long SOCKET_TIMEOUT_MS = 5000;

  /** The drain must end by then, else the test fails with what is missing. */
  static final long DRAIN_BOUND_MS = TimeUnit.MINUTES.toMillis(4);

  @TempDir Path dir;

  @BeforeAll
  static void startOwnPostgres() throws Exception {
    PostgresOutageTest.startOwnPostgres();
  }

  @AfterAll
  static void stopOwnPostgres() throws Exception {
    PostgresOutageTest.stopOwnPostgres();
  }

  private static int pgPort() {
    return Integer.parseInt(PostgresOutageTest.pg.get("PGPORT"));
  }

  @Override
  String location() {
    return PostgresOutageTest.url(pgPort());
  }

  /**
   * A fault the driver injected: a kill of one worker, a restart window, or a dropped connection.
   */
  record Fault(String kind, long from, long to, int serial) {}

  /** One run of a job's handler in one worker, from its markers; {@code end} is -1 if cut. */
  record Run(long job, int serial, long start, long end) {}

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void twentyThousandJobsSurviveKillsRestartsAndDroppedConnections() throws Exception {
    String direct = location();
    List<Fault> faults = new ArrayList<>();
    List<Long> downMs = new ArrayList<>();
    List<Long> recoverMs = new ArrayList<>();
    Set<Integer> proxied = new HashSet<>();
    Map<Integer, Long> killedAt = new HashMap<>();
    List<Proc> all = new ArrayList<>();
    Proc[] slots = new Proc[WORKERS];
    long seed = Long.getLong("weft.soak.seed", 42L);
    Random random = new Random(seed);
    try (JobQueue jobs = JobQueue.open(direct);
        DroppingProxy proxy = new DroppingProxy(pgPort())) {
      enqueue(jobs, JOBS);
      String viaProxy = PostgresOutageTest.url(proxy.port());
      int serial = 0;
      long t0 = System.currentTimeMillis();
      for (int i = 0; i < WORKERS; i++) {
        slots[i] = startIn(i, serial++, direct, viaProxy, proxied, all);
      }
      int restarts = 0;
      int kills = 0;
      int drops = 0;
      long drainMs;
      try {
        while (true) {
          pace(slots, TICK_MS);
          long done = read(jobs, slots, t0);
          if (done >= JOBS) {
            drainMs = System.currentTimeMillis() - t0;
            break;
          }
          bound(jobs, t0, "not drained", slots);
          if (restarts < RESTARTS && done >= (long) JOBS * (restarts + 1) / (RESTARTS + 2)) {
            long from = System.currentTimeMillis();
            PostgresOutageTest.restartPostgres();
            long to = System.currentTimeMillis();
            faults.add(new Fault("restart", from, to, -1));
            downMs.add(to - from);
            recoverMs.add(awaitProgress(jobs, slots, t0) - to);
            restarts++;
          }
          if (proxy.blackholeOne()) {
            long at = System.currentTimeMillis();
            faults.add(new Fault("drop", at, at, -1));
            drops++;
          }
          int v = random.nextInt(WORKERS);
          Proc victim = slots[v];
          long at = System.currentTimeMillis();
          victim.process().destroyForcibly();
          victim.process().waitFor();
          faults.add(new Fault("kill", at, at, victim.serial()));
          killedAt.put(victim.serial(), at);
          kills++;
          slots[v] = startIn(v, serial++, direct, viaProxy, proxied, all);
        }
      } finally {
        for (Proc p : slots) {
          p.process().destroy(); // SIGTERM: the shutdown hook closes the worker gracefully
        }
        for (Proc p : slots) {
          if (!p.process().waitFor(30, TimeUnit.SECONDS)) {
            p.process().destroyForcibly();
          }
        }
      }

      Map<JobState, Long> counts = jobs.counts(QUEUE);
      List<Run> runs = runs(all, killedAt);
      Map<Long, List<Run>> byJob = runs.stream().collect(Collectors.groupingBy(Run::job));
      long completed =
          byJob.values().stream().filter(rs -> rs.stream().anyMatch(r -> r.end() >= 0)).count();
      long lost = JOBS - Math.min(completed, counts.get(JobState.SUCCEEDED));
      int ranTwice = 0;
      int extraRuns = 0;
      List<String> unexplained = new ArrayList<>();
      for (List<Run> rs : byJob.values()) {
        if (rs.size() < 2) {
          continue;
        }
        ranTwice++;
        extraRuns += rs.size() - 1;
        long disrupted = rs.stream().filter(r -> disrupted(r, faults, proxied)).count();
        if (disrupted < rs.size() - 1) {
          unexplained.add(rs.toString());
        }
      }
      String figures =
          "SOAK postgres jobs="
              + JOBS
              + " workers="
              + WORKERS
              + " kills="
              + kills
              + " restarts="
              + restarts
              + " drops="
              + drops
              + " lost="
              + lost
              + " ranTwice="
              + ranTwice
              + " extraRuns="
              + extraRuns
              + " unexplainedRepeats="
              + unexplained.size()
              + " drainMs="
              + drainMs
              + " restartDownMs="
              + downMs
              + " recoverMs="
              + recoverMs
              + " seed="
              + seed;
      System.out.println(figures);
      assertThat(counts)
          .as(figures)
          .containsEntry(JobState.SUCCEEDED, (long) JOBS)
          .containsEntry(JobState.RUNNING, 0L)
          .containsEntry(JobState.DEAD, 0L);
      assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(JOBS);
      assertThat(byJob).as("jobs whose handler started at least once").hasSize(JOBS);
      assertThat(completed).as("jobs whose handler returned at least once").isEqualTo(JOBS);
      assertThat(lost).isZero();
      assertThat(unexplained)
          .as("jobs that ran again although no earlier run was in flight at a fault; " + figures)
          .isEmpty();
      assertThat(restarts).isEqualTo(RESTARTS);
      assertThat(kills).isGreaterThanOrEqualTo(3);
      assertThat(drops).isPositive();
    }
  }

  private Proc startIn(
      int slot, int serial, String direct, String viaProxy, Set<Integer> proxied, List<Proc> all)
      throws IOException {
    if (slot == 0) {
      proxied.add(serial);
    }
    Proc p = start(dir, slot == 0 ? viaProxy : direct, serial);
    all.add(p);
    return p;
  }

  /**
   * Whether {@code r} was in flight at a fault that concerns it: the kill of its worker, a restart,
   * or (its worker going through the proxy) a drop. A run's outcome may still be on its way for up
   * to the socket timeout after its handler returned (a completion sent on a black-holed
   * connection), so that is part of its flight.
   */
  private static boolean disrupted(Run r, List<Fault> faults, Set<Integer> proxied) {
    long end = r.end() < 0 ? Long.MAX_VALUE : r.end() + SOCKET_TIMEOUT_MS;
    for (Fault f : faults) {
      boolean concerns =
          switch (f.kind()) {
            case "kill" -> f.serial() == r.serial();
            case "drop" -> proxied.contains(r.serial());
            default -> true;
          };
      if (concerns && f.to() >= r.start() && f.from() <= end) {
        return true;
      }
    }
    return false;
  }

  /** {@return every run in the workers' logs; a run without its D line was cut by a kill} */
  private static List<Run> runs(List<Proc> all, Map<Integer, Long> killedAt) throws IOException {
    List<Run> runs = new ArrayList<>();
    for (Proc p : all) {
      Map<Long, Long> open = new HashMap<>();
      for (String line : Files.readAllLines(p.log())) {
        String[] f = line.split(" ");
        if (line.startsWith("S ")) {
          open.put(Long.parseLong(f[1]), Long.parseLong(f[3]));
        } else if (line.startsWith("D ")) {
          long id = Long.parseLong(f[1]);
          Long start = open.remove(id);
          assertThat(start).as("D without S for job %d in worker %d", id, p.serial()).isNotNull();
          runs.add(new Run(id, p.serial(), start, Long.parseLong(f[2])));
        }
      }
      assertThat(open.isEmpty() || killedAt.containsKey(p.serial()))
          .as("worker %d, stopped gracefully, left runs unfinished: %s", p.serial(), open)
          .isTrue();
      open.forEach((id, start) -> runs.add(new Run(id, p.serial(), start, -1)));
    }
    return runs;
  }

  /** Waits {@code ms} on the first worker, failing at once if any worker exited on its own. */
  private static void pace(Proc[] slots, long ms) throws Exception {
    alive(slots);
    slots[0].process().waitFor(ms, TimeUnit.MILLISECONDS);
    alive(slots);
  }

  private static void alive(Proc[] slots) throws IOException {
    for (Proc p : slots) {
      if (!p.process().isAlive()) {
        throw new AssertionError(
            "worker "
                + p.serial()
                + " exited on its own; its stderr:\n"
                + Files.readString(p.err()));
      }
    }
  }

  /**
   * {@return the succeeded count, retried while the store's connections recover}; fails with what
   * is missing once the drain outlasts its bound.
   */
  private static long read(JobQueue jobs, Proc[] slots, long t0) throws Exception {
    while (true) {
      try {
        return succeeded(jobs);
      } catch (RuntimeException e) {
        bound(jobs, t0, "store unreadable: " + e, slots);
        pace(slots, 200);
      }
    }
  }

  /** {@return when the succeeded count first moved after a restart} */
  private static long awaitProgress(JobQueue jobs, Proc[] slots, long t0) throws Exception {
    long before = -1;
    while (true) {
      long now = read(jobs, slots, t0);
      if (before >= 0 && now > before) {
        return System.currentTimeMillis();
      }
      before = before < 0 ? now : before;
      if (now >= JOBS) {
        return System.currentTimeMillis();
      }
      bound(jobs, t0, "no progress after a restart", slots);
      pace(slots, 100);
    }
  }

  private static void bound(JobQueue jobs, long t0, String why, Proc[] slots) throws IOException {
    if (System.currentTimeMillis() - t0 < DRAIN_BOUND_MS) {
      return;
    }
    String state;
    try {
      state =
          jobs.counts(QUEUE)
              + " running: "
              + jobs.jobs(QUEUE, JobState.RUNNING, 10)
              + " workers: "
              + jobs.workers();
    } catch (RuntimeException e) {
      state = "(store unreadable: " + e + ")";
    }
    StringBuilder errs = new StringBuilder();
    for (Proc p : slots) {
      String e = Files.readString(p.err());
      errs.append("\nworker ")
          .append(p.serial())
          .append(" stderr (tail):\n")
          .append(e.substring(Math.max(0, e.length() - 4000)));
    }
    throw new AssertionError("the drain stalled (" + why + "): " + state + errs);
  }
}
