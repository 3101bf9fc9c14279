package dev.weft.jobs.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILLed worker JVMs on one SQLite file lose no job. */
class SqliteKillTest extends KillTestBase {

  @TempDir Path dir;

  @Override
  String location() {
    return dir.resolve("state.db").toString();
  }

  @Test
  void killedWorkersLoseNoJobAndOnlyCutJobsRepeat() throws Exception {
    Report r = run(dir, 2000, 3, 3, 700);
    assertThat(r.kills()).isPositive();
  }

  @Test
  @Tag("soak")
  void soakTwentyThousandJobsWithAKillEveryFewSeconds() throws Exception {
    Report r = run(dir, 20_000, 3, 12, 3000);
    assertThat(r.kills()).isPositive();
  }
}
