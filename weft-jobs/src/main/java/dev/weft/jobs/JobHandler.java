package dev.weft.jobs;

/**
 * Runs the jobs of one kind. Called on its own virtual thread for each job a {@link Worker} claims,
 * possibly for several jobs at once, so it must be thread-safe.
 *
 * <p>Delivery is at-least-once: a job whose worker crashed, or lost its lease, runs again. Make the
 * handler idempotent, using {@link JobContext#idempotencyKey()} where an external system takes one.
 *
 * {@snippet :
 * JobHandler email = ctx -> {
 *   Email e = ctx.payload(Email.class);
 *   mailer.send(e, ctx.idempotencyKey());
 *   return JobOutcome.success();
 * };
 * }
 */
@FunctionalInterface
public interface JobHandler {

  /**
   * Runs one job.
   *
   * @param ctx the job and its attempt
   * @return what happened; an exception counts as a failed attempt retried with backoff
   * @throws Exception a failed attempt; an {@link InterruptedException} when the worker cancelled
   *     the job (shutdown, or lease lost) releases it without counting the attempt
   */
  JobOutcome handle(JobContext ctx) throws Exception;
}
