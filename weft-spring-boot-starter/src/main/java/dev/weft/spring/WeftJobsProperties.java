package dev.weft.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code weft.jobs.*} properties: where the job queue lives and the workers that run its jobs.
 * Mutable JavaBean bound by Spring at start-up; not for use afterwards.
 */
@ConfigurationProperties("weft.jobs")
public class WeftJobsProperties {

  /** Whether the starter creates a JobQueue bean and starts workers. */
  private boolean enabled = true;

  /**
   * Where the queue lives: a SQLite file path or jdbc:sqlite: URL, or a PostgreSQL URL
   * (postgres://user:pw@host:port/db or jdbc:postgresql:...). Default: the SQLite file
   * .weft/jobs.db under the working directory, unless use-data-source is set.
   */
  private @Nullable String url;

  /**
   * Put the queue in the database of the application's DataSource (spring.datasource.url and its
   * credentials), with a small pool of its own. Ignored when url is set.
   */
  private boolean useDataSource;

  /** Connections in the queue's own pool (PostgreSQL). */
  private int poolSize = 10;

  /** Workers by queue name; a queue with handlers but no entry gets a worker with the defaults. */
  private Map<String, WorkerSettings> workers = new LinkedHashMap<>();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public @Nullable String getUrl() {
    return url;
  }

  public void setUrl(@Nullable String url) {
    this.url = url;
  }

  public boolean isUseDataSource() {
    return useDataSource;
  }

  public void setUseDataSource(boolean useDataSource) {
    this.useDataSource = useDataSource;
  }

  public int getPoolSize() {
    return poolSize;
  }

  public void setPoolSize(int poolSize) {
    this.poolSize = poolSize;
  }

  public Map<String, WorkerSettings> getWorkers() {
    return workers;
  }

  public void setWorkers(Map<String, WorkerSettings> workers) {
    this.workers = workers;
  }

  /** The settings of one queue's worker; unset values keep weft's defaults. */
  public static class WorkerSettings {

    /** Whether to run a worker for this queue in this application. */
    private boolean enabled = true;

    /** How many jobs run at once (weft's default: 10). */
    private @Nullable Integer concurrency;

    /** How long a claim holds without renewal (weft's default: 30s). */
    private @Nullable Duration lease;

    /** How often leases are renewed (weft's default: a third of the lease). */
    private @Nullable Duration heartbeat;

    /** How often to look for due jobs without a wake-up (weft's default: 1s). */
    private @Nullable Duration pollInterval;

    /** How long running jobs may finish at shutdown before their leases are released (10s). */
    private @Nullable Duration shutdownGrace;

    /** The delays between failed attempts. */
    private BackoffSettings backoff = new BackoffSettings();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable Integer getConcurrency() {
      return concurrency;
    }

    public void setConcurrency(@Nullable Integer concurrency) {
      this.concurrency = concurrency;
    }

    public @Nullable Duration getLease() {
      return lease;
    }

    public void setLease(@Nullable Duration lease) {
      this.lease = lease;
    }

    public @Nullable Duration getHeartbeat() {
      return heartbeat;
    }

    public void setHeartbeat(@Nullable Duration heartbeat) {
      this.heartbeat = heartbeat;
    }

    public @Nullable Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(@Nullable Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    public @Nullable Duration getShutdownGrace() {
      return shutdownGrace;
    }

    public void setShutdownGrace(@Nullable Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
    }

    public BackoffSettings getBackoff() {
      return backoff;
    }

    public void setBackoff(BackoffSettings backoff) {
      this.backoff = backoff;
    }
  }
}
