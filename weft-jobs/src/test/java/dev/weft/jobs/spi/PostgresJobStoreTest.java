package dev.weft.jobs.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.TestPostgres;
import dev.weft.time.TimeSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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

  @Test
  void wakeReachesTheSubscribersOfAnotherProcessThroughNotify() throws Exception {
    Semaphore wakes = new Semaphore(0);
    try (JobStore other = sameDatabase();
        AutoCloseable sub = other.subscribe("q", wakes::release)) {
      // the listener wakes every subscriber once it is listening: from then on no NOTIFY is lost
      assertThat(wakes.tryAcquire(2, TimeUnit.MINUTES)).as("listening (hang guard)").isTrue();
      store.wake("q");
      assertThat(wakes.tryAcquire(2, TimeUnit.MINUTES)).as("notified (hang guard)").isTrue();
    }
  }

  @Override
  protected Connection connect() throws Exception {
    return DriverManager.getConnection(url);
  }
}
