package dev.weft.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two real databases the job queue runs on are reachable from tests. */
class DatabasesTest {

  @Test
  void postgresqlAnswersAndIsVersion15OrLater() throws Exception {
    try (Connection c = DriverManager.getConnection(TestPostgres.jdbcUrl());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("show server_version_num")) {
      assertThat(r.next()).isTrue();
      assertThat(Integer.parseInt(r.getString(1))).isGreaterThanOrEqualTo(150000);
    }
  }

  @Test
  void sqliteWritesARealFileInWalMode(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("pragma journal_mode=wal")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("wal");
      }
      s.execute("create table t(x integer)");
      s.execute("insert into t values (42)");
    }
    assertThat(file).exists();
  }
}
