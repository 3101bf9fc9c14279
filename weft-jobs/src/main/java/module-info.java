/** weft's durable job queue: SQLite embedded, PostgreSQL for many machines. */
module dev.weft.jobs {
  requires transitive dev.weft.core;
  requires transitive java.sql;
  requires static org.jspecify;

  exports dev.weft.jobs;
}
