package dev.weft.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method (or a bean implementing {@link dev.weft.jobs.JobHandler}) as the handler of
 * one job kind. The starter registers it with the worker of its {@link #queue()} when the
 * application starts.
 *
 * <p>A method takes one parameter, {@link dev.weft.jobs.JobContext} or the payload's type (read
 * from JSON with Jackson), or both (payload first); it returns a {@link dev.weft.jobs.JobOutcome},
 * or anything else (or nothing) for success. An exception is a failed attempt, retried with the
 * worker's backoff.
 *
 * {@snippet :
 * @Component
 * class Mail {
 *   @JobHandler(value = "welcome", queue = "mail")
 *   void welcome(Welcome w, JobContext ctx) { mailer.send(w, ctx.idempotencyKey()); }
 * }
 * }
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface JobHandler {

  /** {@return the job kind this handles} */
  String value();

  /** {@return the queue whose worker runs it; default {@code "default"}} */
  String queue() default "default";
}
