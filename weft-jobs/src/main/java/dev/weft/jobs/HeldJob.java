package dev.weft.jobs;

import dev.weft.jobs.internal.Json;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A job a {@link Worker} holds, from its claim until its fate is written: the handler's {@link
 * JobContext}, the thread running the handler, the latest progress, and a settle-once flag. Exactly
 * one of three decides the job's fate, whichever settles first: the handler finishing, the
 * heartbeat finding the lease lost, or the worker's close releasing it.
 *
 * <p>Thread-safe: the handler's thread, the heartbeat and the closing thread use it at once.
 */
final class HeldJob implements JobContext {

  final Job job;
  private final Claim claim;
  private final AtomicBoolean settled = new AtomicBoolean();
  volatile @Nullable Thread thread;
  private volatile @Nullable String progress;
  private volatile boolean progressDirty;

  HeldJob(Job job, Claim claim) {
    this.job = job;
    this.claim = claim;
  }

  /** {@return {@code true} for the one caller that decides the job's fate, {@code false} after} */
  boolean settle() {
    return settled.compareAndSet(false, true);
  }

  /**
   * Decides the job's fate away from its handler (lease lost, worker closing) and interrupts the
   * handler, whose outcome is then dropped.
   *
   * @return {@code false} if the fate was already decided
   */
  boolean takeAway() {
    if (!settle()) {
      return false;
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    return true;
  }

  /** {@return the progress reported since the last call, or {@code null} if none} */
  @Nullable String newProgress() {
    if (!progressDirty) {
      return null;
    }
    progressDirty = false;
    return progress;
  }

  @Override
  public Job job() {
    return job;
  }

  @Override
  public int attempt() {
    return job.attempt();
  }

  @Override
  public Claim claim() {
    return claim;
  }

  @Override
  public String idempotencyKey() {
    return job.idempotencyKey();
  }

  @Override
  public <T> T payload(Class<T> type) {
    try {
      return Json.MAPPER.readValue(job.payload(), type);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UnreadablePayloadException(
          "payload of job "
              + job.id()
              + " (kind '"
              + job.kind()
              + "') cannot be read as "
              + type.getName()
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  @Override
  public void progress(Object value) {
    progress = Json.write(value);
    progressDirty = true;
  }
}
