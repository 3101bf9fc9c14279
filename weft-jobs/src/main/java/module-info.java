/** weft's durable job queue: SQLite embedded, PostgreSQL for many machines. */
module dev.weft.jobs {
  requires transitive dev.weft.core;
  requires transitive java.sql;
  requires static transitive org.jspecify;
  requires com.fasterxml.jackson.databind;
  requires com.zaxxer.hikari;

  exports dev.weft.jobs;
  exports dev.weft.jobs.spi;
}
