package dev.weft.example.spring;

import dev.weft.jobs.JobContext;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.Policy;
import dev.weft.policy.Retry;
import dev.weft.spring.JobHandler;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Runs "welcome" jobs of queue "mail": sends through the {@code smtp} retry and breaker. The mail
 * server is simulated and refuses every third send, so the retries show in the log and in {@code
 * /actuator/weft}.
 */
@Component
public class WelcomeMailer {

  private static final Logger log = LoggerFactory.getLogger(WelcomeMailer.class);

  private final Policy<Object> smtp;
  private final AtomicLong sends = new AtomicLong();

  /** Takes the named policies by qualifier. */
  public WelcomeMailer(
      @Qualifier("smtp") Retry<Object> retry, @Qualifier("smtp") CircuitBreaker breaker) {
    this.smtp = Policy.of(retry, breaker);
  }

  /** Sends one welcome mail; weft retries the job if the policies give up. */
  @JobHandler(value = "welcome", queue = "mail")
  public void welcome(Signup signup, JobContext ctx) {
    smtp.call(() -> send(signup.email(), ctx.idempotencyKey()));
    log.info("welcomed {} (job {}, attempt {})", signup.email(), ctx.job().id(), ctx.attempt());
  }

  private Object send(String to, String key) {
    if (sends.incrementAndGet() % 3 == 0) {
      throw new IllegalStateException("421 mail server busy, try again (" + to + ")");
    }
    return key;
  }
}
