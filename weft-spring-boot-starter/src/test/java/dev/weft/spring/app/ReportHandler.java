package dev.weft.spring.app;

import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobOutcome;
import dev.weft.spring.JobHandler;
import java.util.concurrent.Semaphore;
import org.springframework.stereotype.Component;

/** A handler bean: a {@link dev.weft.jobs.JobHandler} with its kind and queue on the class. */
@Component
@JobHandler(value = "report", queue = "mail")
public class ReportHandler implements dev.weft.jobs.JobHandler {

  public final Semaphore ran = new Semaphore(0);

  @Override
  public JobOutcome handle(JobContext ctx) {
    ran.release();
    return JobOutcome.success();
  }
}
