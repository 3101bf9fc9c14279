package dev.weft.cli;

import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Signals to whole process groups, which {@link ProcessHandle} cannot send: libc's {@code
 * kill(-pgid, sig)} through the foreign function API (one system call), else the {@code kill}
 * program. Stateless and thread-safe.
 */
final class Signals {

  static final int TERM = 15;
  static final int KILL = 9;

  private static final Path PROC = Path.of("/proc");

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

  /** Sends {@code signal} to process {@code pid}; a gone process is fine. */
  static void signalProcess(long pid, int signal) {
    MethodHandle k = KILL_FN;
    if (k != null) {
      try {
        int _ = (int) k.invokeExact((int) pid, signal);
        return;
      } catch (Throwable t) {
        // fall through
      }
    }
    ProcessHandle.of(pid)
        .ifPresent(h -> {
          if (signal == KILL) {
            h.destroyForcibly();
          } else {
            h.destroy();
          }
        });
  }

  /**
   * Waits until no process of group {@code pgid} is still running (a zombie counts as ended: its
   * parent, perhaps a PID 1 that never reaps, owns it now), or until {@code timeout} passes. A
   * killed process dies a moment after the signal; this makes "the job ended" mean its stragglers
   * did too. Reads {@code /proc}; where there is none, returns at once.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  static void awaitGroupGone(long pgid, Duration timeout) throws InterruptedException {
    TimeSource time = TimeSource.system();
    long deadline = time.read() + TimeSource.saturatedNanos(timeout);
    while (hasLiveMember(pgid) && time.read() - deadline < 0) {
      time.sleep(Duration.ofMillis(1));
    }
  }

  private static boolean hasLiveMember(long pgid) {
    if (!groupAlive(pgid)) {
      return false;
    }
    try (Stream<Path> procs = Files.list(PROC)) {
      return procs.anyMatch(p -> isLiveMember(p, pgid));
    } catch (IOException | UncheckedIOException e) {
      return false; // no /proc: nothing more to learn
    }
  }

  /** Reads {@code /proc/N/stat}: after the command's closing parenthesis come state, ppid, pgrp. */
  private static boolean isLiveMember(Path proc, long pgid) {
    String name = proc.getFileName().toString();
    if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
      return false;
    }
    try {
      String stat = Files.readString(proc.resolve("stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
      char state = f[0].charAt(0);
      return Long.parseLong(f[2]) == pgid && state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return false; // it ended while we looked
    }
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
