package dev.weft.jobs;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteWorkerTest extends WorkerContract {

  @TempDir Path dir;

  @Override
  JobQueue openQueue() {
    return JobQueue.open(dir.resolve("state.db").toString());
  }

  @Override
  JobQueue openSameDatabase() {
    return JobQueue.open("jdbc:sqlite:" + dir.resolve("state.db"));
  }
}
