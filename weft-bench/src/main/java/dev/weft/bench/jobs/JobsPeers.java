package dev.weft.bench.jobs;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.NewJob;
import dev.weft.jobs.Worker;
import dev.weft.time.TimeSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.scheduling.JobRequestScheduler;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * weft's job queue beside db-scheduler and JobRunr on one PostgreSQL, in one run: for each system
 * and for 1 and then 2 worker <em>processes</em> (separate JVMs started from this one), enqueue N
 * no-op jobs in batches into a fresh database, start the workers, and time from "go" until the
 * database shows every job done. Prints jobs/s per system and the ratios to weft.
 *
 * <p>Run: {@code java -cp weft-bench/target/benchmarks.jar dev.weft.bench.jobs.JobsPeers
 * jdbc:postgresql://… [jobs] [concurrency] [systems]}, where systems is a comma list of {@code
 * weft,db-scheduler,jobrunr,weft-sqlite} (the last: weft on a SQLite file, its embedded store). The
 * worker processes are the same class with {@code child} as the first argument; they wait for "go"
 * and "stop" on standard input.
 */
public final class JobsPeers {

  private static final TimeSource TIME = TimeSource.system();

  private JobsPeers() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("child")) {
      child(args[1], args[2], Integer.parseInt(args[3]));
      return;
    }
    String base = args[0];
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 128;
    List<String> systems =
        List.of((args.length > 3 ? args[3] : "weft,db-scheduler,jobrunr").split(",", -1));
    Map<String, double[]> drains = new LinkedHashMap<>();
    for (String system : systems) {
      double[] perProcesses = new double[3];
      for (int processes : new int[] {1, 2}) {
        String url =
            system.equals("weft-sqlite")
                ? freshSqlite()
                : freshDatabase(base, "bench_" + system.replace('-', '_'));
        long t0 = TIME.read();
        enqueue(system, url, jobs);
        double enqueueRate = jobs / seconds(t0);
        double drain = drain(system, url, jobs, processes, concurrency);
        perProcesses[processes] = drain;
        System.out.printf(
            "%-12s processes=%d jobs=%d: enqueue %,.0f jobs/s, drain %,.0f jobs/s"
                + " (concurrency %d per process)%n",
            system, processes, jobs, enqueueRate, drain, concurrency);
      }
      drains.put(system, perProcesses);
    }
    double[] weft = drains.get("weft");
    if (weft != null) {
      for (Map.Entry<String, double[]> e : drains.entrySet()) {
        if (!e.getKey().equals("weft")) {
          System.out.printf(
              "weft / %s: %.2fx with 1 process, %.2fx with 2 processes%n",
              e.getKey(), weft[1] / e.getValue()[1], weft[2] / e.getValue()[2]);
        }
      }
    }
  }

  private static double seconds(long since) {
    return TIME.since(since).toNanos() / 1e9;
  }

  // ---- the parent ---------------------------------------------------------------------------

  private static void enqueue(String system, String url, int jobs) throws Exception {
    int batch = 1000;
    switch (system) {
      case "weft", "weft-sqlite" -> {
        try (JobQueue q = JobQueue.open(url)) {
          for (int i = 0; i < jobs; i += batch) {
            q.enqueue(
                IntStream.range(0, Math.min(batch, jobs - i))
                    .mapToObj(k -> NewJob.ofJson("bench", "noop", "{}"))
                    .toList());
          }
        }
      }
      case "db-scheduler" -> {
        try (HikariDataSource ds = pool(url, 4)) {
          createDbSchedulerTable(ds);
          SchedulerClient client = SchedulerClient.Builder.create(ds, noopTask()).build();
          for (int i = 0; i < jobs; i += batch) {
            List<TaskInstance<?>> instances = new ArrayList<>();
            for (int k = i; k < Math.min(jobs, i + batch); k++) {
              instances.add(noopTask().instance("job-" + k));
            }
            client.scheduleBatch(instances, TIME.wallTime());
          }
        }
      }
      case "jobrunr" -> {
        try (HikariDataSource ds = pool(url, 4)) {
          JobRequestScheduler scheduler =
              JobRunr.configure()
                  .useJsonMapper(new JacksonJsonMapper())
                  .useStorageProvider(new PostgresStorageProvider(ds))
                  .initialize()
                  .getJobRequestScheduler();
          for (int i = 0; i < jobs; i += batch) {
            scheduler.enqueue(
                IntStream.range(0, Math.min(batch, jobs - i)).mapToObj(k -> new Noop()));
          }
          JobRunr.destroy();
        }
      }
      default -> throw new IllegalArgumentException("unknown system " + system);
    }
  }

  private static double drain(String system, String url, int jobs, int processes, int concurrency)
      throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      children.add(
          new ProcessBuilder(
                  java,
                  "--enable-native-access=ALL-UNNAMED",
                  "-Xmx1g",
                  "-cp",
                  System.getProperty("java.class.path"),
                  JobsPeers.class.getName(),
                  "child",
                  system,
                  url,
                  String.valueOf(concurrency))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start());
    }
    for (Process p : children) {
      BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = r.readLine();
      if (!"ready".equals(line)) {
        throw new IllegalStateException(system + " worker did not start: " + line);
      }
    }
    long t0 = TIME.read();
    tell(children, "go");
    try (Connection c = DriverManager.getConnection(url)) {
      while (done(system, c, jobs) < jobs) {
        if (TIME.since(t0).compareTo(Duration.ofMinutes(20)) > 0) {
          throw new IllegalStateException(system + " did not drain in 20 minutes");
        }
        LockSupport.parkNanos(100_000_000L);
      }
    }
    double rate = jobs / seconds(t0);
    tell(children, "stop");
    for (Process p : children) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    return rate;
  }

  private static void tell(List<Process> children, String word) throws Exception {
    for (Process p : children) {
      OutputStream out = p.getOutputStream();
      out.write((word + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  private static long done(String system, Connection c, int jobs) throws Exception {
    String sql =
        switch (system) {
          case "weft", "weft-sqlite" -> "select count(*) from weft_jobs where state = 'succeeded'";
          case "db-scheduler" -> "select " + jobs + " - count(*) from scheduled_tasks";
          case "jobrunr" -> "select count(*) from jobrunr_jobs where state = 'SUCCEEDED'";
          default -> throw new IllegalArgumentException(system);
        };
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  /**
   * {@return the JDBC URL of a new, empty SQLite file: weft's embedded store, drained the same way}
   */
  private static String freshSqlite() throws Exception {
    Path dir = Files.createTempDirectory("weft-jobs-peers");
    dir.toFile().deleteOnExit();
    return "jdbc:sqlite:" + dir.resolve("jobs.db");
  }

  private static String freshDatabase(String base, String name) throws Exception {
    try (Connection c = DriverManager.getConnection(base);
        Statement s = c.createStatement()) {
      s.execute("drop database if exists " + name + " with (force)");
      s.execute("create database " + name);
    }
    return base.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
  }

  private static HikariDataSource pool(String url, int size) {
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(url);
    cfg.setMaximumPoolSize(size);
    return new HikariDataSource(cfg);
  }

  // ---- db-scheduler -------------------------------------------------------------------------

  private static OneTimeTask<Void> noopTask() {
    return Tasks.oneTime("noop").execute((instance, ctx) -> {});
  }

  /** The table db-scheduler's README gives for PostgreSQL (it does not create it itself). */
  private static void createDbSchedulerTable(DataSource ds) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "create table scheduled_tasks (task_name text not null, task_instance text not null,"
              + " task_data bytea, execution_time timestamp with time zone not null,"
              + " picked boolean not null, picked_by text,"
              + " last_success timestamp with time zone, last_failure timestamp with time zone,"
              + " consecutive_failures int, last_heartbeat timestamp with time zone,"
              + " version bigint not null, priority smallint,"
              + " primary key (task_name, task_instance))");
      s.execute("create index execution_time_idx on scheduled_tasks (execution_time)");
      s.execute("create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)");
      s.execute(
          "create index priority_execution_time_idx on scheduled_tasks"
              + " (priority desc, execution_time asc)");
    }
  }

  // ---- JobRunr ------------------------------------------------------------------------------

  /** A JobRunr job request (no lambda analysis involved); public for JobRunr's reflection. */
  public static final class Noop implements JobRequest {
    @Override
    public Class<NoopHandler> getJobRequestHandler() {
      return NoopHandler.class;
    }
  }

  /** Runs {@link Noop}; public with a no-argument constructor for JobRunr's activator. */
  public static final class NoopHandler implements JobRequestHandler<Noop> {
    @Override
    public void run(Noop request) {}
  }

  // ---- a worker process ---------------------------------------------------------------------

  private static void child(String system, String url, int concurrency) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    switch (system) {
      case "weft", "weft-sqlite" -> {
        try (JobQueue q =
            system.equals("weft") ? JobQueue.postgres(url, 8, TIME) : JobQueue.open(url)) {
          q.counts();
          ready(in);
          Worker w =
              q.worker("bench")
                  .concurrency(concurrency)
                  .pollInterval(Duration.ofMillis(50))
                  .handler("noop", ctx -> JobOutcome.success())
                  .start();
          in.readLine();
          w.close();
        }
      }
      case "db-scheduler" -> {
        try (HikariDataSource ds = pool(url, Math.min(concurrency, 32) + 4)) {
          Scheduler s =
              Scheduler.create(ds, noopTask())
                  .threads(concurrency)
                  .pollUsingLockAndFetch(0.5, 1.0)
                  .pollingInterval(Duration.ofMillis(100))
                  .build();
          ready(in);
          s.start();
          in.readLine();
          s.stop();
        }
      }
      case "jobrunr" -> {
        try (HikariDataSource ds = pool(url, Math.min(concurrency, 32) + 4)) {
          JobRunr.configure()
              .useJsonMapper(new JacksonJsonMapper())
              .useStorageProvider(new PostgresStorageProvider(ds))
              .useBackgroundJobServer(
                  BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                      .andWorkerCount(concurrency)
                      .andPollInterval(Duration.ofSeconds(5)),
                  false)
              .initialize();
          ready(in);
          JobRunr.getBackgroundJobServer().start();
          in.readLine();
          JobRunr.destroy();
        }
      }
      default -> throw new IllegalArgumentException("unknown system " + system);
    }
    System.exit(0);
  }

  private static void ready(BufferedReader in) throws Exception {
    System.out.println("ready");
    System.out.flush();
    if (!"go".equals(in.readLine())) {
      throw new IllegalStateException("expected go");
    }
  }
}
