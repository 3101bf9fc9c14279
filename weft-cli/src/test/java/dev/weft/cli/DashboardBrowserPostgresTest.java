package dev.weft.cli;

import dev.weft.jobs.JobQueue;
import dev.weft.time.TimeSource;

/** {@link DashboardBrowserTest} on a throwaway PostgreSQL: {@code weft dashboard --db URL}. */
class DashboardBrowserPostgresTest extends DashboardBrowserTest {

  private final String url = CliPostgres.freshPostgresUrl("weft_dashboard_browser");

  @Override
  JobQueue openQueue() {
    return JobQueue.postgres(url, 4, TimeSource.system());
  }

  @Override
  String[] dashboardArgs() {
    return new String[] {"--db", url};
  }

  @Override
  String name() {
    return "postgres";
  }

  @Override
  void before() {
    // a shared queue has no runs of weft run
  }
}
