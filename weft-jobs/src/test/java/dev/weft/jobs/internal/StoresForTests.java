package dev.weft.jobs.internal;

import dev.weft.jobs.spi.JobStore;
import dev.weft.time.TimeSource;
import java.nio.file.Path;

/** Test access to the stores' constructors, which do not migrate. */
public final class StoresForTests {
  private StoresForTests() {}

  public static JobStore sqlite(Path file) {
    return new SqliteJobStore(file, 2);
  }

  public static JobStore postgres(String url) {
    return new PostgresJobStore(url, 2, TimeSource.system());
  }
}
