package dev.weft.test;

import dev.weft.task.TaskTree;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A JUnit extension that, when a test times out, prints weft's {@link TaskTree} (every scope with a
 * running fork, nested, with the stack of each fork) and the stacks of all other threads to {@code
 * System.err}, and attaches the tree to the failure, so that a hang in CI names the task that hung.
 * It is the test-side twin of the command's {@code SIGQUIT} dump.
 *
 * <p>Register it on a class with {@code @ExtendWith(TaskTreeOnTimeout.class)}, or for every test by
 * turning on JUnit's extension auto-detection ({@code
 * junit.jupiter.extensions.autodetection.enabled = true}): weft-test lists it as a service. It is
 * most useful with JUnit's {@code SEPARATE_THREAD} timeout mode, where the hung test still runs
 * while its timeout is reported; in {@code SAME_THREAD} mode the test was interrupted first, and
 * the tree shows what ignored the interrupt.
 *
 * <p>Stateless and thread-safe.
 */
public final class TaskTreeOnTimeout implements TestExecutionExceptionHandler {

  /** Creates the extension; JUnit calls this. */
  public TaskTreeOnTimeout() {}

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable thrown)
      throws Throwable {
    attachIfTimeout(context.getDisplayName(), thrown);
    throw thrown;
  }

  /** Prints and attaches the tree if {@code thrown} is a timeout of the test named {@code test}. */
  static void attachIfTimeout(String test, Throwable thrown) {
    if (isTimeout(thrown)) {
      String tree = TaskTree.text(true);
      StringBuilder dump = new StringBuilder();
      dump.append("=== ")
          .append(test)
          .append(" timed out; weft task tree ===\n")
          .append(tree)
          .append("=== threads ===\n");
      for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
        dump.append('\'').append(e.getKey().getName()).append("' ").append(e.getKey().getState());
        dump.append('\n');
        for (StackTraceElement s : e.getValue()) {
          dump.append("    at ").append(s).append('\n');
        }
      }
      System.err.print(dump);
      thrown.addSuppressed(new TaskTreeDump(tree));
    }
  }

  private static boolean isTimeout(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The tree at the moment of the timeout, carried as a suppressed exception of the failure. */
  private static final class TaskTreeDump extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TaskTreeDump(String tree) {
      super("weft task tree at the timeout:\n" + tree, null, false, false);
    }
  }
}
