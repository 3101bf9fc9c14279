package dev.weft.task;

import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Scope} throws and logs about its outcome: the exception {@code join()} throws (the
 * first failure with the others attached, or the deadline or cancellation that stopped the scope,
 * with a count of succeeded, failed and cancelled forks), the failures nobody observed, and which
 * throwables count as a fork's reaction to cancellation. Stateless; called by the scope's owner
 * after every fork has settled (except {@link #isCancellation} and {@link #deadlineExceeded},
 * called by whichever thread settles or cancels).
 */
@SuppressWarnings("ReferenceEquality") // identity is meant: time sources, forks, throwables
final class ScopeFailures {

  private ScopeFailures() {}

  static DeadlineExceededException deadlineExceeded(Scope s) {
    Duration timeout =
        s.deadline.timeSource() == s.time
            ? Duration.ofNanos(s.deadline.ticks() - s.openedAt)
            : null;
    return new DeadlineExceededException(
        "deadline"
            + (timeout == null ? "" : " of " + timeout)
            + " exceeded in "
            + s.describe()
            + " after "
            + s.time.since(s.openedAt),
        timeout);
  }

  static @Nullable Throwable failure(Scope s) {
    int k = s.kind;
    if (k == Scope.NONE || k == Scope.BY_OWNER) {
      return null; // nothing failed; cancel() joins normally
    }
    int n = s.forkCount;
    int succeeded = 0;
    int failures = 0;
    int cancelled = 0;
    for (int i = 0; i < n; i++) {
      switch (s.forkAt(i).outcome) {
        case ForkImpl.SUCCEEDED -> succeeded++;
        case ForkImpl.FAILED -> failures++;
        default -> cancelled++;
      }
    }
    Throwable main;
    switch (k) {
      case Scope.BY_FAILURE -> {
        ForkImpl<?> p = Objects.requireNonNull(s.primary, "primary");
        main = p.failure;
        if (main == null) {
          return null;
        }
        if (!(main instanceof RuntimeException) && !(main instanceof Error)) {
          main = new TaskFailedException(p.index, p.name, p.elapsed(), main);
        }
        p.observed = true;
      }
      case Scope.BY_DEADLINE -> main = deadlineExceeded(s, cancelled, n);
      case Scope.BY_OUTSIDE -> {
        RuntimeException why = s.token.reason().orElse(null);
        Throwable root = why == null ? null : why.getCause();
        main =
            root instanceof DeadlineExceededException
                ? new DeadlineExceededException(
                    "deadline of an enclosing task exceeded in "
                        + s.describe()
                        + " after "
                        + s.time.since(s.openedAt)
                        + "; "
                        + cancelled
                        + " of "
                        + n
                        + " tasks cancelled ("
                        + root.getMessage()
                        + ")",
                    null)
                : new CancelledException(
                    (why == null ? s.describe() + " was cancelled" : why.getMessage())
                        + "; "
                        + cancelled
                        + " of "
                        + n
                        + " tasks cancelled",
                    root);
      }
      case Scope.BY_INTERRUPT -> {
        RuntimeException why = s.token.reason().orElse(null);
        main =
            new CancelledException(
                (why == null ? s.describe() + " was cancelled" : why.getMessage())
                    + "; "
                    + cancelled
                    + " of "
                    + n
                    + " tasks cancelled");
      }
      default -> {
        return null;
      }
    }
    for (int i = 0; i < n; i++) {
      ForkImpl<?> f = s.forkAt(i);
      if (f.outcome == ForkImpl.FAILED && f != s.primary) {
        f.observed = true;
        Throwable other = f.failure;
        if (other != null && other != main) {
          main.addSuppressed(other);
        }
      }
    }
    for (Throwable c : s.token.drainFailures()) {
      main.addSuppressed(c);
    }
    if (k == Scope.BY_FAILURE && n > 1) {
      main.addSuppressed(
          new FanOutException(s.describe() + " failed", succeeded, failures, cancelled, List.of()));
    }
    return main;
  }

  private static DeadlineExceededException deadlineExceeded(Scope s, int cancelled, int n) {
    DeadlineExceededException base = deadlineExceeded(s);
    return new DeadlineExceededException(
        base.getMessage() + "; " + cancelled + " of " + n + " tasks cancelled", base.timeout());
  }

  static void reportUnobserved(Scope s) {
    if (s.failed.get() > 0) {
      int n = s.forkCount;
      for (int i = 0; i < n; i++) {
        ForkImpl<?> f = s.forkAt(i);
        if (f.outcome == ForkImpl.FAILED && !f.observed) {
          Scope.LOG.log(
              System.Logger.Level.WARNING,
              s.describe()
                  + ": the failure of "
                  + f.describe()
                  + " was never observed (no join() threw it, no get() or settled() read it)",
              f.failure);
        }
      }
    }
    for (Throwable c : s.token.drainFailures()) {
      Scope.LOG.log(
          System.Logger.Level.WARNING, s.describe() + ": a cancellation callback failed", c);
    }
  }

  static boolean isCancellation(Throwable t) {
    for (Throwable c = t; c != null; c = c == c.getCause() ? null : c.getCause()) {
      if (c instanceof InterruptedException
          || c instanceof CancellationException
          || c instanceof DeadlineExceededException
          || c instanceof InterruptedIOException
          || c instanceof ClosedByInterruptException) {
        return true;
      }
      if (!(c instanceof TaskFailedException)) {
        return false;
      }
    }
    return false;
  }
}
