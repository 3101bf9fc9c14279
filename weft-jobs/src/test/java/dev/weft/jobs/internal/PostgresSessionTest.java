package dev.weft.jobs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.TestPostgres;
import dev.weft.time.TimeSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The store's sessions end on the server when they sit idle inside a transaction: a client cut off
 * silently between a statement and its commit must not hold its jobs' row locks for hours (found by
 * PostgresChaosSoakTest: 43 jobs stayed running, unrescuable, behind a black-holed connection).
 */
class PostgresSessionTest {

  @Test
  void aSessionIdleInATransactionIsEndedByTheServer() throws Exception {
    String url = TestPostgres.emptyDatabase("weft_session");
    PostgresJobStore store = new PostgresJobStore(url, 1, TimeSource.system());
    try (store;
        Connection c = store.pool.getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("show idle_in_transaction_session_timeout")) {
      r.next();
      assertThat(r.getString(1)).isEqualTo(PostgresJobStore.IDLE_TX_LIMIT);
    }
  }
}
