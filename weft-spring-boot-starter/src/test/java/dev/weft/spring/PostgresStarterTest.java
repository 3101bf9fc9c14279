package dev.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.TestPostgres;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The starter on the throwaway PostgreSQL, named by weft.jobs.url. */
class PostgresStarterTest extends StarterContract {

  String url;

  @BeforeEach
  void database_() {
    url = TestPostgres.emptyDatabase("weft_spring");
  }

  @Override
  List<String> database() {
    return List.of(
        "weft.jobs.url=" + url,
        "spring.autoconfigure.exclude="
            + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration");
  }

  @Override
  JobQueue reopen() {
    return JobQueue.open(url);
  }

  @Test
  void theQueueCanLiveInTheApplicationsDataSourceDatabase() throws Exception {
    context =
        new org.springframework.boot.builder.SpringApplicationBuilder(
                dev.weft.spring.app.TestApp.class)
            .web(org.springframework.boot.WebApplicationType.NONE)
            .properties(
                "spring.datasource.url=" + url.substring(0, url.indexOf('?')),
                "spring.datasource.username=postgres",
                "weft.jobs.use-data-source=true",
                "weft.jobs.workers.mail.poll-interval=100ms",
                "weft.retry.payments.max-attempts=2",
                "weft.circuit-breaker.payments.failure-rate=0.5",
                "spring.main.banner-mode=off")
            .run();
    javax.sql.DataSource ds = context.getBean(javax.sql.DataSource.class);
    JobQueue jobs = context.getBean(JobQueue.class);
    long id =
        jobs.enqueue(dev.weft.jobs.NewJob.of("mail", "welcome", new dev.weft.spring.app.Welcome(7)))
            .id();
    var mail = context.getBean(dev.weft.spring.app.MailHandlers.class);
    assertThat(mail.ran.tryAcquire(1, 60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    // the job row is in the application's own database, seen through its DataSource
    try (var c = ds.getConnection();
        var s = c.prepareStatement("select kind from weft_jobs where id = ?")) {
      s.setLong(1, id);
      try (var r = s.executeQuery()) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("welcome");
      }
    }
  }
}
