/**
 * OpenTelemetry for weft: the {@code Context} carried into every fork, and traced durable jobs. No
 * Spring needed.
 */
module dev.weft.opentelemetry {
  requires transitive dev.weft.core;
  requires transitive dev.weft.jobs;
  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.context;
  requires static org.jspecify;

  exports dev.weft.opentelemetry;
}
