package dev.weft.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The CPU time of this process's ended and reaped children, user plus system, as the shell's {@code
 * times} reports it: libc's {@code getrusage(RUSAGE_CHILDREN)} through the foreign function API
 * (microseconds), else {@code /proc/self/stat}'s {@code cutime + cstime} (clock ticks). A child's
 * figure includes its own reaped children's, so a shell script's count includes the commands it
 * waited for; processes left running in the background are not counted. Stateless and thread-safe,
 * but the figure is the whole process's: measure one child at a time.
 */
final class ChildCpu {

  private static final int RUSAGE_CHILDREN = -1;
  private static final int RUSAGE_BYTES = 144; // two timevals, then fourteen longs (Linux, 64-bit)
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private static final @Nullable MethodHandle GETRUSAGE = lookup();

  private ChildCpu() {}

  @SuppressWarnings("restricted") // getrusage needs native access; the jar and ./weft enable it
  private static @Nullable MethodHandle lookup() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("getrusage")
          .map(f ->
              linker.downcallHandle(
                  f,
                  FunctionDescriptor.of(
                      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)))
          .orElse(null);
    } catch (RuntimeException e) {
      return null; // native access denied: fall back to /proc
    }
  }

  /**
   * {@return the CPU time of the reaped children so far}
   *
   * @throws BadInput if neither source can be read on this system
   */
  static Duration total() {
    MethodHandle g = GETRUSAGE;
    if (g != null) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment usage = arena.allocate(RUSAGE_BYTES, 8);
        if ((int) g.invokeExact(RUSAGE_CHILDREN, usage) == 0) {
          long micros = 0;
          for (int timeval = 0; timeval < 2; timeval++) { // ru_utime, ru_stime
            micros += usage.get(ValueLayout.JAVA_LONG, timeval * 16L) * 1_000_000;
            micros += usage.get(ValueLayout.JAVA_LONG, timeval * 16L + 8);
          }
          return Duration.ofNanos(micros * 1000);
        }
      } catch (Throwable t) {
        // fall through to /proc
      }
    }
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // after the command's closing parenthesis: state is field 3, cutime 16 and cstime 17
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 16);
      long ticks = Long.parseLong(f[13]) + Long.parseLong(f[14]);
      return Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      throw new BadInput("cannot read the CPU time of child processes on this system: " + e);
    }
  }
}
