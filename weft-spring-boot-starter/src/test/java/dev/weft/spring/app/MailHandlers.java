package dev.weft.spring.app;

import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobOutcome;
import dev.weft.spring.JobHandler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import org.springframework.stereotype.Component;

/** Handler methods: each records what it ran and releases a permit the test waits on. */
@Component
public class MailHandlers {

  public final Set<Integer> welcomed = ConcurrentHashMap.newKeySet();
  public final Semaphore ran = new Semaphore(0);
  public final CountDownLatch blockedStarted = new CountDownLatch(1);
  public final Set<String> threads = ConcurrentHashMap.newKeySet();

  @JobHandler(value = "welcome", queue = "mail")
  public void welcome(Welcome w, JobContext ctx) {
    if (!ctx.idempotencyKey().startsWith("weft-job-mail-")) {
      throw new IllegalStateException("unexpected key " + ctx.idempotencyKey());
    }
    threads.add(Thread.currentThread().isVirtual() ? "virtual" : "platform");
    welcomed.add(w.user());
    ran.release();
  }

  @JobHandler(value = "fail", queue = "mail")
  public JobOutcome fail(JobContext ctx) {
    ran.release();
    throw new IllegalStateException("mailbox full for job " + ctx.job().id());
  }

  /** Blocks until interrupted (the worker releasing its lease at shutdown). */
  @JobHandler(value = "block", queue = "slow")
  public JobOutcome block(JobContext ctx) throws InterruptedException {
    blockedStarted.countDown();
    new CountDownLatch(1).await();
    return JobOutcome.success();
  }
}
