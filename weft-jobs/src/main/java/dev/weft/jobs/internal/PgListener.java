package dev.weft.jobs.internal;

import dev.weft.observe.WeftThreads;
import dev.weft.time.TimeSource;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Listens on the {@code weft_jobs} channel over one dedicated connection (never one of the pool's)
 * and wakes the store's subscribers once per batch of notifications per queue. When the connection
 * drops (a restart, a proxy) it reconnects after a second and wakes every subscriber, since
 * notifications sent meanwhile are lost. Thread-safe; {@link #start()} and {@link #close()} are
 * idempotent.
 */
final class PgListener {

  private static final Duration RECONNECT = Duration.ofSeconds(1);

  private final String jdbcUrl;
  private final JdbcJobStore store;
  private final TimeSource time;
  private final Object lock = new Object();
  private @Nullable Thread thread;
  private volatile boolean closed;

  PgListener(String jdbcUrl, JdbcJobStore store, TimeSource time) {
    this.jdbcUrl = jdbcUrl;
    this.store = store;
    this.time = time;
  }

  void start() {
    synchronized (lock) {
      if (thread == null && !closed) {
        thread = WeftThreads.virtual("weft-jobs-listen").newThread(this::run);
        thread.start();
      }
    }
  }

  private void run() {
    while (!closed) {
      try (Connection c = DriverManager.getConnection(jdbcUrl)) {
        try (Statement s = c.createStatement()) {
          s.execute("listen " + PostgresJobStore.CHANNEL);
        }
        store.wakeAll();
        // reflection keeps pgjdbc (and its annotations) off the compile path of this module
        Class<?> pgConnection = Class.forName("org.postgresql.PGConnection");
        Object pg = c.unwrap(pgConnection);
        Method poll = pgConnection.getMethod("getNotifications", int.class);
        while (!closed) {
          Object[] batch = (Object[]) poll.invoke(pg, 500);
          if (batch != null && batch.length > 0) {
            Set<String> queues = new LinkedHashSet<>();
            for (Object n : batch) {
              queues.add(String.valueOf(n.getClass().getMethod("getParameter").invoke(n)));
            }
            store.wakeLocal(queues);
          }
        }
      } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
        if (!closed) {
          long until = time.readAfter(RECONNECT);
          while (!closed && time.read() - until < 0) {
            time.parkUntil(until);
          }
        }
      }
    }
  }

  void close() {
    Thread t;
    synchronized (lock) {
      closed = true;
      t = thread;
    }
    if (t != null) {
      java.util.concurrent.locks.LockSupport.unpark(t);
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
