package dev.weft.spring;

import dev.weft.jobs.JobQueue;
import dev.weft.time.TimeSource;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

/** Opens the {@link JobQueue} that {@code weft.jobs.*} describes. Stateless. */
final class JobQueueFactory {

  /** Where the queue lives when nothing is configured. */
  static final String DEFAULT_FILE = ".weft/jobs.db";

  private JobQueueFactory() {}

  /**
   * {@return the queue at {@code weft.jobs.url}, else in the application's DataSource database when
   * {@code weft.jobs.use-data-source} is set, else in {@link #DEFAULT_FILE}}
   *
   * @throws IllegalArgumentException naming the property when the location cannot be used
   */
  static JobQueue open(WeftJobsProperties p, Environment env) {
    String location = location(p, env);
    if (location.startsWith("jdbc:postgresql:")
        || location.startsWith("postgres://")
        || location.startsWith("postgresql://")) {
      if (p.getPoolSize() < 1) {
        throw new IllegalArgumentException(
            "weft.jobs.pool-size must be >= 1, was " + p.getPoolSize());
      }
      return JobQueue.postgres(location, p.getPoolSize(), TimeSource.system());
    }
    return JobQueue.open(location);
  }

  static String location(WeftJobsProperties p, Environment env) {
    String url = p.getUrl();
    if (url != null && !url.isBlank()) {
      return url;
    }
    if (!p.isUseDataSource()) {
      return DEFAULT_FILE;
    }
    String ds = env.getProperty("spring.datasource.url");
    if (ds == null || ds.isBlank()) {
      throw new IllegalArgumentException(
          "weft.jobs.use-data-source is true but spring.datasource.url is not set");
    }
    if (ds.startsWith("jdbc:sqlite:")) {
      return ds;
    }
    if (!ds.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "weft.jobs.use-data-source needs a PostgreSQL or SQLite spring.datasource.url, was '"
              + ds
              + "'");
    }
    StringBuilder out = new StringBuilder(ds);
    appendParam(out, "user", env.getProperty("spring.datasource.username"));
    appendParam(out, "password", env.getProperty("spring.datasource.password"));
    return out.toString();
  }

  private static void appendParam(StringBuilder url, String name, @Nullable String value) {
    if (value == null || value.isEmpty() || url.indexOf(name + "=") >= 0) {
      return;
    }
    url.append(url.indexOf("?") < 0 ? '?' : '&')
        .append(name)
        .append('=')
        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }
}
