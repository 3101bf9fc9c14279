package dev.weft.spring;

import dev.weft.jobs.JobHandler;

/**
 * Wraps every job handler the starter registers, for cross-cutting concerns (tracing, metrics). A
 * bean of this type is applied to each handler; several are applied in their {@code @Order}, the
 * first outermost. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface JobHandlerDecorator {

  /**
   * {@return {@code handler} wrapped}
   *
   * @param queue the queue whose worker runs it
   * @param kind the job kind it handles
   * @param handler the handler to wrap
   */
  JobHandler decorate(String queue, String kind, JobHandler handler);
}
