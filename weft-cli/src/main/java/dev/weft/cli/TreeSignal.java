package dev.weft.cli;

import dev.weft.task.TaskTree;
import java.io.PrintStream;
import java.lang.reflect.Proxy;

/**
 * {@code kill -USR1 <pid>} prints weft's live task tree, with the stack of every blocked fork, to
 * stderr: which jobs a running {@code weft run} or {@code weft worker} waits on, and where. {@code
 * kill -QUIT} stays the JVM's own thread dump: HotSpot reserves SIGQUIT for it, and JDK 25 refuses
 * a Java handler for that signal even under {@code -Xrs}. Installed only in the real process
 * ({@link Main#signals()}).
 *
 * <p>{@code sun.misc.Signal} (module {@code jdk.unsupported}) is reached reflectively: javac warns
 * on every direct use of it, and the build treats warnings as errors.
 */
final class TreeSignal {

  private TreeSignal() {}

  /**
   * Prints the tree to {@code err} on each SIGUSR1 from now on; does nothing where the platform has
   * no such signal or another handler owns it.
   *
   * @param err where the tree goes
   */
  @SuppressWarnings("ReferenceEquality") // identity is what the proxy's equals means
  static void install(PrintStream err) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object print =
          Proxy.newProxyInstance(
              handler.getClassLoader(),
              new Class<?>[] {handler},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  err.print(TaskTree.text(true));
                  err.flush();
                  return null;
                }
                return switch (method.getName()) {
                  case "equals" -> proxy == args[0]; // a handler is equal only to itself
                  case "hashCode" -> System.identityHashCode(proxy);
                  default -> "weft task tree on SIGUSR1";
                };
              });
      signal
          .getMethod("handle", signal, handler)
          .invoke(null, signal.getConstructor(String.class).newInstance("USR1"), print);
    } catch (ReflectiveOperationException | RuntimeException unavailable) {
      // no SIGUSR1 here, or the VM uses it: the tree stays available through TaskTree
    }
  }
}
