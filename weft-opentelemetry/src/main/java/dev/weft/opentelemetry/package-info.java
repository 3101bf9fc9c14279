/**
 * OpenTelemetry for weft. {@link dev.weft.opentelemetry.OpenTelemetryPropagator} carries the
 * current {@code Context} into every fork; {@link dev.weft.opentelemetry.JobTracing} stores the W3C
 * trace context with each enqueued job and makes each run a span linked to its enqueue, following
 * the OpenTelemetry messaging semantic conventions.
 */
@NullMarked
package dev.weft.opentelemetry;

import org.jspecify.annotations.NullMarked;
