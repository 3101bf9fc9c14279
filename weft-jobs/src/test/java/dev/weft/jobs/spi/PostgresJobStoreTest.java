package dev.weft.jobs.spi;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.TestPostgres;
import dev.weft.time.TimeSource;
import java.sql.Connection;
import java.sql.DriverManager;

class PostgresJobStoreTest extends JobStoreContract {

  private String url = "";

  @Override
  protected JobStore newStore() {
    url = TestPostgres.emptyDatabase("weft_contract");
    return JobQueue.postgres(url, 8, TimeSource.system()).store();
  }

  @Override
  protected JobStore sameDatabase() {
    return TestStores.postgresUnmigrated(url);
  }

  @Override
  protected Connection connect() throws Exception {
    return DriverManager.getConnection(url);
  }
}
