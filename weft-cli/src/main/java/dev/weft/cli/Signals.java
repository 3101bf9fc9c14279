package dev.weft.cli;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Signals to whole process groups, which {@link ProcessHandle} cannot send: libc's {@code
 * kill(-pgid, sig)} through the foreign function API (one system call), else the {@code kill}
 * program. Stateless and thread-safe.
 */
final class Signals {

  static final int TERM = 15;
  static final int KILL = 9;

  private static final @Nullable MethodHandle KILL_FN = lookup();

  private Signals() {}

  @SuppressWarnings("restricted") // kill(2) needs native access; the jar and ./weft enable it
  private static @Nullable MethodHandle lookup() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("kill")
          .map(f ->
              linker.downcallHandle(
                  f,
                  FunctionDescriptor.of(
                      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)))
          .orElse(null);
    } catch (RuntimeException e) {
      return null; // native access denied: fall back to the kill program
    }
  }

  /** {@return whether process group {@code pgid} still has a member} */
  static boolean groupAlive(long pgid) {
    MethodHandle k = KILL_FN;
    if (k != null) {
      try {
        return (int) k.invokeExact((int) -pgid, 0) == 0;
      } catch (Throwable t) {
        // fall through
      }
    }
    return run("-0", pgid) == 0;
  }

  /** Sends {@code signal} to every process of group {@code pgid}; a gone group is fine. */
  static void signalGroup(long pgid, int signal) {
    MethodHandle k = KILL_FN;
    if (k != null) {
      try {
        int _ = (int) k.invokeExact((int) -pgid, signal);
        return;
      } catch (Throwable t) {
        // fall through
      }
    }
    run("-" + signal, pgid);
  }

  private static int run(String signal, long pgid) {
    try {
      Process p =
          new ProcessBuilder("kill", signal, "--", "-" + pgid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor();
    } catch (IOException e) {
      Optional<ProcessHandle> h = ProcessHandle.of(pgid);
      h.ifPresent(ProcessHandle::destroyForcibly);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
