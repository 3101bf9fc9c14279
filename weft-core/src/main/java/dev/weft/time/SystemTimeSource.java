package dev.weft.time;

import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/** The real clock. Stateless, hence thread-safe. */
enum SystemTimeSource implements TimeSource {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }

  @Override
  public void parkUntil(long deadline) {
    long wait = deadline - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(this, wait);
    }
  }

  @Override
  public Instant wallTime() {
    return Instant.now();
  }

  @Override
  public String toString() {
    return "TimeSource.system()";
  }
}
