package dev.weft.jobs.spi;

import dev.weft.jobs.JobQueue;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.io.TempDir;

class SqliteJobStoreTest extends JobStoreContract {

  @TempDir Path dir;
  private Path file;
  private int n;

  @Override
  protected JobStore newStore() {
    file = dir.resolve("state-" + (n++) + ".db");
    return JobQueue.sqlite(file).store();
  }

  @Override
  protected JobStore sameDatabase() {
    return TestStores.sqliteUnmigrated(file);
  }

  @Override
  protected Connection connect() throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (var s = c.createStatement()) {
      s.execute("pragma busy_timeout=30000");
    }
    return c;
  }
}
