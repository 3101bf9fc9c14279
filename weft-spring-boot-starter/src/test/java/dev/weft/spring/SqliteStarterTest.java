package dev.weft.spring;

import dev.weft.jobs.JobQueue;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The starter on a real SQLite file. */
class SqliteStarterTest extends StarterContract {

  @TempDir Path dir;

  @Override
  List<String> database() {
    return List.of(
        "weft.jobs.url=" + dir.resolve("jobs.db"),
        "spring.autoconfigure.exclude="
            + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration");
  }

  @Override
  JobQueue reopen() {
    return JobQueue.sqlite(dir.resolve("jobs.db"));
  }
}
