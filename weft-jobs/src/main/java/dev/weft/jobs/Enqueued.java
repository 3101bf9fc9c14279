package dev.weft.jobs;

/**
 * The result of enqueuing one job: its id, and whether it was a duplicate of a job already in the
 * queue under the same unique key (whose id this then is).
 *
 * @param id the id of the new job, or of the existing one when {@code duplicate}
 * @param duplicate whether the queue already held a job with the same unique key
 */
public record Enqueued(long id, boolean duplicate) {}
