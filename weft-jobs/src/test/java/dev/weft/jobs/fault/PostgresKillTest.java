package dev.weft.jobs.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three SIGKILLed and restarted worker JVMs on one PostgreSQL lose no job. */
class PostgresKillTest extends KillTestBase {

  @TempDir Path dir;
  private String url = "";

  @Override
  String location() {
    return url;
  }

  @Test
  void killedWorkersLoseNoJobAndOnlyCutJobsRepeat() throws Exception {
    url = TestPostgres.freshDatabase("weft_kill");
    Report r = run(dir, 2000, 3, 3, 700);
    assertThat(r.kills()).isPositive();
  }

  @Test
  @Tag("soak")
  void soakTwentyThousandJobsWithAKillEveryFewSeconds() throws Exception {
    url = TestPostgres.freshDatabase("weft_kill_soak");
    Report r = run(dir, 20_000, 3, 12, 3000);
    assertThat(r.kills()).isPositive();
  }
}
