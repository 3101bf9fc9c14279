package dev.weft.task;

import dev.weft.observe.Listener;
import java.util.List;

/**
 * The stuck-task diagnostic of a {@link Scope}: names each fork still running a grace period after
 * the scope was cancelled (it ignores interrupts), with its thread's stack, in a warning and a
 * {@link StuckTaskEvent}. Stateless; called by the scope's owner while it waits.
 */
final class StuckForks {

  private StuckForks() {}

  static void report(Scope scope) {
    int n = scope.forkCount;
    ForkImpl<?>[] view = scope.forksView;
    for (int i = 0; i < n; i++) {
      ForkImpl<?> f = view[i];
      Thread r = f.runner;
      if (!f.isRunning() || r == null) {
        continue;
      }
      StackTraceElement[] stack = r.getStackTrace();
      StringBuilder s =
          new StringBuilder(scope.describe())
              .append(": ")
              .append(f.describe())
              .append(" on thread '")
              .append(r.getName())
              .append("' (#")
              .append(r.threadId())
              .append(") has not stopped ")
              .append(scope.stuckGrace)
              .append(" after cancellation (it ignores interrupts?); still waiting for it");
      for (StackTraceElement e : stack) {
        s.append("\n\tat ").append(e);
      }
      Scope.LOG.log(System.Logger.Level.WARNING, s.toString());
      if (!scope.listener.isNone()) {
        Listener.emit(
            scope.listener,
            new StuckTaskEvent(
                scope.name == null ? "scope" : scope.name,
                f.index,
                f.name,
                r.getName(),
                List.of(stack),
                scope.stuckGrace));
      }
    }
  }
}
