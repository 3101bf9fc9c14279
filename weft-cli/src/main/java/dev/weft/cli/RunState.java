package dev.weft.cli;

import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongPredicate;
import org.jspecify.annotations.Nullable;

/**
 * The durable record of a {@code weft run} in SQLite ({@code .weft/state.db} by default): one row
 * per run, keyed by its command and input sources, and one row per finished job. A job counts as
 * done only once its row is committed, and {@link #finished} returns only then, so after Ctrl-C or
 * {@code kill -9} a {@code --resume} skips exactly the jobs whose end was recorded and re-runs the
 * rest (a job that was running when the process died ran, but its result was lost: it runs again).
 *
 * <p>Overview: one platform thread owns the connection. Callers put their row on a bounded queue
 * and wait; the writer takes everything queued, writes it in one transaction (WAL, synchronous =
 * NORMAL: a commit survives the process being killed), commits and wakes them all (group commit).
 * For a fresh run the database is opened by the writer while the first jobs already run, so
 * start-up does not wait for it. Thread-safe.
 *
 * <p>Plain sqlite-jdbc with tables of its own, not weft-jobs' queue: a local run records outcomes
 * to resume from, it queues nothing. {@code weft dashboard} reads the same file ({@code
 * dashboard.RunFile}); a run spread over machines ({@code --db}) uses the queue instead.
 */
final class RunState implements AutoCloseable {

  /** How a run treats what an earlier run of the same command recorded. */
  enum Mode {
    /** Forget it and run everything. */
    FRESH,
    /** Skip every job that finished, failed or not ({@code --resume}). */
    RESUME,
    /** Skip only the jobs that succeeded ({@code --resume-failed}). */
    RESUME_FAILED
  }

  private record Row(
      long seq,
      String args,
      boolean ok,
      int exit,
      int attempts,
      long millis,
      String at,
      CompletableFuture<Void> committed) {}

  private static final Row STOP = new Row(-1, "", false, 0, 0, 0, "", new CompletableFuture<>());

  private static final byte[] SQLITE_MAGIC =
      "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * Where a run came from, so the dashboard can show its progress and start it again.
   *
   * @param argv the arguments after {@code weft} that start it again ({@link Replay}), or {@code
   *     null} if it cannot be (its input was stdin)
   * @param cwd the folder it ran in
   * @param total how many jobs it has, or -1 when not known without reading its input
   */
  record Origin(@Nullable List<String> argv, Path cwd, long total) {
    /** {@return an origin that cannot be replayed, of unknown size} */
    static Origin unknown() {
      return new Origin(null, Path.of("").toAbsolutePath(), -1);
    }
  }

  private final Path file;
  private final String key;
  private final String command;
  private final Origin origin;
  private final Mode mode;
  private final TimeSource time;
  private final BlockingQueue<Row> queue = new ArrayBlockingQueue<>(65_536);
  private final BitSet skip = new BitSet();
  private final Thread writer;
  private final FileLock lock;
  private volatile @Nullable String failure;
  private @Nullable Connection connection;

  /**
   * Opens the state of the run {@code key} in {@code file}.
   *
   * @throws BadInput when the file's folder cannot be created or written, or (resuming) the
   *     database cannot be read
   */
  RunState(Path file, String key, String command, Origin origin, Mode mode, TimeSource time) {
    this.file = file;
    this.key = key;
    this.command = command;
    this.origin = origin;
    this.mode = mode;
    this.time = time;
    Path dir = file.toAbsolutePath().getParent();
    try {
      if (dir != null) {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new BadInput("--state '" + file + "' cannot be created: " + JobLog.reason(e), e);
    }
    if (dir != null && !Files.isWritable(dir)) {
      throw new BadInput("--state '" + file + "' cannot be written: permission denied");
    }
    checkSqlite(file);
    lock = lock(file, key);
    if (mode != Mode.FRESH) {
      try {
        open();
      } catch (SQLException e) {
        unlock();
        throw new BadInput("--state '" + file + "' cannot be opened: " + e.getMessage(), e);
      }
    }
    writer = WeftThreads.platform("weft-state", true).newThread(this::writeLoop);
    writer.start();
  }

  /**
   * Refuses, before any job runs, a state that exists but is not a SQLite database (garbage bytes,
   * a folder, a file cut short): the run would run its jobs and only then find it cannot record
   * them. The file is left exactly as it is. A fresh run opens the database lazily (start-up does
   * not wait for it), so this cheap look at the header is what keeps that promise.
   *
   * @throws BadInput naming the file and what is wrong with it
   */
  static void checkSqlite(Path file) {
    if (!Files.exists(file)) {
      return;
    }
    if (!Files.isRegularFile(file)) {
      throw new BadInput("--state '" + file + "' is not a file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] header = in.readNBytes(100);
      long size = Files.size(file);
      if (size == 0) {
        return; // SQLite makes an empty file a database
      }
      if (header.length < 100 || !Arrays.equals(header, 0, 16, SQLITE_MAGIC, 0, 16)) {
        throw new BadInput(
            "--state '" + file + "' is not a SQLite database (left as it is; pick another file)");
      }
      int pageSize = ((header[16] & 0xff) << 8) | (header[17] & 0xff);
      long page = pageSize == 1 ? 65_536 : pageSize;
      if (page < 512 || size % page != 0) {
        throw new BadInput(
            "--state '"
                + file
                + "' is a damaged SQLite database: cut short at "
                + size
                + " bytes (left as it is; pick another file)");
      }
    } catch (IOException e) {
      throw new BadInput("--state '" + file + "' cannot be read: " + JobLog.reason(e), e);
    }
  }

  /**
   * {@return a lock, held until {@link #close}, on the run {@code key} in {@code file}}: one byte,
   * chosen by the key, of {@code FILE.lock}. Two runs of the same command on the same state would
   * clobber each other's records (a fresh run forgets the other's finished jobs), so the second is
   * refused at once; runs of other commands share the file as before. The OS drops the lock when
   * the process dies, so a crash never leaves it behind.
   *
   * @throws BadInput naming the file when another running weft holds it
   */
  private static FileLock lock(Path file, String key) {
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    long at = key.hashCode() & 0x7fff_ffffL;
    FileChannel ch = null;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l = ch.tryLock(at, 1, false);
      if (l != null) {
        return l;
      }
    } catch (OverlappingFileLockException e) {
      // held by this very process: another run in it
    } catch (IOException e) {
      closeQuietly(ch);
      throw new BadInput("--state '" + file + "' cannot be locked: " + JobLog.reason(e), e);
    }
    closeQuietly(ch);
    throw new BadInput(
        "--state '"
            + file
            + "' is in use by another running weft of the same command; wait for it to end, or"
            + " pick another --state");
  }

  private static void closeQuietly(@Nullable FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing held
      }
    }
  }

  private void unlock() {
    closeQuietly(lock.channel());
  }

  /** {@return the jobs to skip: those an earlier run recorded as done (empty for a fresh run)} */
  LongPredicate skip() {
    BitSet s = skip;
    return seq -> seq < Integer.MAX_VALUE && s.get((int) seq);
  }

  /** {@return the number of jobs to skip} */
  int skipCount() {
    return skip.cardinality();
  }

  private void open() throws SQLException {
    SqliteNative.useCache();
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
    connection = c;
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("PRAGMA busy_timeout=10000");
      s.execute(
          "CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, command TEXT NOT NULL,"
              + " started TEXT NOT NULL, updated TEXT NOT NULL, status TEXT NOT NULL)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS jobs (run TEXT NOT NULL, seq INTEGER NOT NULL,"
              + " args TEXT NOT NULL, ok INTEGER NOT NULL, exit INTEGER NOT NULL,"
              + " attempts INTEGER NOT NULL, millis INTEGER NOT NULL, at TEXT NOT NULL,"
              + " PRIMARY KEY (run, seq))");
      addOriginColumns(s);
    }
    c.setAutoCommit(false);
    String now = time.wallTime().toString();
    if (mode == Mode.FRESH) {
      try (PreparedStatement d = c.prepareStatement("DELETE FROM jobs WHERE run = ?")) {
        d.setString(1, key);
        d.executeUpdate();
      }
    } else {
      try (PreparedStatement q =
          c.prepareStatement("SELECT seq, ok FROM jobs WHERE run = ? AND seq < 2147483647")) {
        q.setString(1, key);
        try (ResultSet r = q.executeQuery()) {
          while (r.next()) {
            if (mode == Mode.RESUME || r.getInt(2) == 1) {
              skip.set((int) r.getLong(1));
            }
          }
        }
      }
    }
    try (PreparedStatement u =
        c.prepareStatement(
            "INSERT INTO runs (key, command, started, updated, status, argv, cwd, total)"
                + " VALUES (?, ?, ?, ?, 'running', ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
                + " updated = excluded.updated, status = 'running', argv = excluded.argv,"
                + " cwd = excluded.cwd, total = excluded.total"
                + (mode == Mode.FRESH ? ", started = excluded.started" : ""))) {
      u.setString(1, key);
      u.setString(2, command);
      u.setString(3, now);
      u.setString(4, now);
      List<String> argv = origin.argv();
      u.setString(5, argv == null ? null : Replay.json(argv));
      u.setString(6, origin.cwd().toString());
      if (origin.total() >= 0) {
        u.setLong(7, origin.total());
      } else {
        u.setNull(7, java.sql.Types.BIGINT);
      }
      u.executeUpdate();
    }
    c.commit();
  }

  /** Adds the columns of {@link Origin} to a state file written before they existed. */
  private static void addOriginColumns(Statement s) throws SQLException {
    List<String> have = new ArrayList<>();
    try (ResultSet r = s.executeQuery("PRAGMA table_info(runs)")) {
      while (r.next()) {
        have.add(r.getString("name"));
      }
    }
    for (String column : List.of("argv TEXT", "cwd TEXT", "total INTEGER")) {
      if (!have.contains(column.substring(0, column.indexOf(' ')))) {
        s.execute("ALTER TABLE runs ADD COLUMN " + column);
      }
    }
  }

  /**
   * Records that job {@code seq} finished and returns once that is committed. When the database
   * failed, returns at once (the failure is reported by {@link #close}). An interrupt does not stop
   * it (a job cancelled by halt-now or Ctrl-C while it records must not lose its row): it goes on
   * waiting and sets the interrupt status again before it returns.
   */
  void finished(long seq, String args, boolean ok, int exit, int attempts, Duration took) {
    if (failure != null) {
      return;
    }
    Row row =
        new Row(
            seq,
            args,
            ok,
            exit,
            attempts,
            took.toMillis(),
            time.wallTime().toString(),
            new CompletableFuture<>());
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(row);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    while (true) {
      try {
        row.committed().get();
        break;
      } catch (ExecutionException e) {
        break; // recorded in failure
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeLoop() {
    List<Row> batch = new ArrayList<>();
    try {
      if (connection == null) {
        open();
      }
      Connection c = connection;
      if (c == null) {
        return;
      }
      try (PreparedStatement ins =
          c.prepareStatement(
              "INSERT OR REPLACE INTO jobs (run, seq, args, ok, exit, attempts, millis, at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        boolean stop = false;
        while (!stop) {
          batch.add(queue.take());
          queue.drainTo(batch);
          for (Row r : batch) {
            if (r.seq() < 0) {
              stop = true;
              continue;
            }
            ins.setString(1, key);
            ins.setLong(2, r.seq());
            ins.setString(3, r.args());
            ins.setInt(4, r.ok() ? 1 : 0);
            ins.setInt(5, r.exit());
            ins.setInt(6, r.attempts());
            ins.setLong(7, r.millis());
            ins.setString(8, r.at());
            ins.addBatch();
          }
          ins.executeBatch();
          c.commit();
          batch.forEach(r -> r.committed().complete(null));
          batch.clear();
        }
      }
    } catch (SQLException | RuntimeException e) {
      failure = "state '" + file + "': " + e.getMessage();
      batch.forEach(r -> r.committed().completeExceptionally(e));
      queue.forEach(r -> r.committed().completeExceptionally(e));
    } catch (InterruptedException e) {
      failure = "state '" + file + "': writer interrupted";
    }
  }

  /**
   * Commits what is queued, marks the run {@code status} and closes the database.
   *
   * @return the failure of the database, if it had one, as one line
   */
  @Nullable String close(String status) {
    try {
      if (failure == null) {
        queue.put(STOP);
      }
      writer.join();
      Connection c = connection;
      if (c != null) {
        try (c;
            PreparedStatement u =
                c.prepareStatement("UPDATE runs SET status = ?, updated = ? WHERE key = ?")) {
          u.setString(1, status);
          u.setString(2, time.wallTime().toString());
          u.setString(3, key);
          u.executeUpdate();
          c.commit();
        }
      }
    } catch (SQLException e) {
      if (failure == null) {
        failure = "state '" + file + "': " + e.getMessage();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      unlock();
    }
    return failure;
  }

  @Override
  public void close() {
    close("closed");
  }
}
