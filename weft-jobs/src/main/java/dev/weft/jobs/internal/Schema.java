package dev.weft.jobs.internal;

import static dev.weft.jobs.internal.JdbcJobStore.DUE;

import java.util.List;

/**
 * The versioned schema both stores share, in SQL both databases accept; {@link
 * JdbcJobStore#migrate} applies the versions a database lacks. Stateless.
 */
final class Schema {

  private Schema() {}

  /**
   * The schema of version 3: a job's headers (metadata beside its payload, such as a W3C trace
   * context), a JSON object or null for none.
   */
  static List<String> v3() {
    return List.of("alter table weft_jobs add column headers text");
  }

  /**
   * The schema of version 4: paused queues, and the indexes the dashboard's pages read (a queue's
   * jobs by state and id, by id, the age of its oldest due job, and finished jobs by time).
   */
  static List<String> v4() {
    return List.of(
        "create table if not exists weft_paused (queue text primary key,"
            + " paused_at bigint not null)",
        "create index if not exists weft_jobs_list on weft_jobs (queue, state, id)",
        "create index if not exists weft_jobs_queue on weft_jobs (queue, id)",
        "create index if not exists weft_jobs_due_age on weft_jobs (queue, run_at)"
            + " where state in "
            + DUE,
        // covering, so throughput per minute reads the index only (purge uses it as before)
        "drop index if exists weft_jobs_finished",
        "create index if not exists weft_jobs_finished on weft_jobs (finished_at, queue, state)"
            + " where finished_at is not null");
  }

  /**
   * The schema of version 2, in the SQL both databases accept: a per-key rate limit (the job's
   * {@code rate_key}, the queue's {@code key_per_second} and {@code key_burst}, and one token
   * bucket per queue and key).
   */
  static List<String> v2() {
    return List.of(
        "alter table weft_jobs add column rate_key text",
        "alter table weft_queues add column key_per_second double precision",
        "alter table weft_queues add column key_burst integer not null default 1",
        "create table if not exists weft_rate_keys (queue text not null, rate_key text not null,"
            + " tokens double precision not null, refilled_at bigint not null,"
            + " primary key (queue, rate_key))");
  }

  /** The schema of version 1, in the SQL both databases accept, given the id column's type. */
  static List<String> v1(String idColumn) {
    return List.of(
        "create table if not exists weft_jobs (id "
            + idColumn
            + ", queue text not null, kind text not null, payload text not null,"
            + " priority integer not null, state text not null, run_at bigint not null,"
            + " attempt integer not null, max_attempts integer not null, unique_key text,"
            + " parents text not null, has_parents integer not null, tags text not null,"
            + " progress text, errors text not null, reason text, lease_token text,"
            + " lease_expires_at bigint, worker_id text, created_at bigint not null,"
            + " finished_at bigint)",
        "create index if not exists weft_jobs_due on weft_jobs (queue, priority desc, run_at, id)"
            + " where state in "
            + DUE,
        "create index if not exists weft_jobs_running on weft_jobs (queue, lease_expires_at)"
            + " where state = 'running'",
        "create index if not exists weft_jobs_finished on weft_jobs (finished_at)"
            + " where finished_at is not null",
        "create index if not exists weft_jobs_dead on weft_jobs (queue, id) where state = 'dead'",
        "create unique index if not exists weft_jobs_unique on weft_jobs (queue, unique_key)"
            + " where unique_key is not null",
        "create table if not exists weft_job_deps (child_id bigint not null,"
            + " parent_id bigint not null, primary key (child_id, parent_id))",
        "create index if not exists weft_job_deps_parent on weft_job_deps (parent_id)",
        "create table if not exists weft_workers (id text primary key, queue text not null,"
            + " host text not null, concurrency integer not null, started_at bigint not null,"
            + " heartbeat_at bigint not null)",
        "create table if not exists weft_queues (queue text primary key, max_running integer,"
            + " per_second double precision, burst integer not null,"
            + " tokens double precision not null, refilled_at bigint not null)");
  }
}
