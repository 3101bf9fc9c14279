package dev.weft.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Waits on a child process, or on a fifo it writes, without ever waiting on a dead child: each wait
 * races the child's {@link Process#onExit()}, and fails at once with the child's exit code and
 * stderr when the child exits first. A wait that outlasts {@link #PATIENCE} (a hang guard, not a
 * timing check) fails too, with a thread dump of the child, and kills it. Test helper.
 */
final class Child {

  /** How long a wait may take before it is a hang. */
  static final Duration PATIENCE = Duration.ofMinutes(2);

  private static final Object EXITED = new Object();

  /**
   * The JaCoCo agent this test JVM runs with, if any, so a child's code counts towards the module's
   * coverage as this JVM's does (the agent appends to the same file, under a file lock, at exit; a
   * child killed with SIGKILL adds nothing).
   */
  private static final List<String> COVERAGE_AGENT =
      ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
          .filter(a -> a.startsWith("-javaagent:") && a.contains("jacoco"))
          .toList();

  private Child() {}

  /**
   * {@return the command line that runs {@code weft args} in a child JVM on this test's classpath}
   */
  static List<String> weftCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(COVERAGE_AGENT);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.weft.cli.Main");
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Reads {@code count} lines from {@code fifo}, which the child (or its jobs) write.
   *
   * <p>The fifo is opened for reading and writing, which on Linux never blocks (a read-only open
   * blocks until a writer opens it: for ever, if the child died); holding a write end also means
   * the reads never see end-of-file between writers. A reader thread hands lines to this thread,
   * and so does the child's exit, whichever comes first.
   *
   * @return the lines, in the order they came
   * @throws AssertionError if the child exits before writing them, or on a hang
   */
  static List<String> readLines(Path fifo, int count, Process child, Path stderr)
      throws IOException, InterruptedException {
    return readLines(fifo, count, child, () -> read(stderr));
  }

  /**
   * As {@link #readLines(Path, int, Process, Path)}, for a child whose stderr is a {@link Pipe}.
   */
  static List<String> readLines(Path fifo, int count, Process child, Supplier<String> stderr)
      throws IOException, InterruptedException {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    FileChannel channel = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Thread reader =
        Thread.ofPlatform()
            .name("test-fifo-reader")
            .daemon()
            .start(() -> {
              ByteBuffer buf = ByteBuffer.allocate(4096);
              StringBuilder line = new StringBuilder();
              try {
                while (channel.read(buf) >= 0) {
                  buf.flip();
                  String chunk = StandardCharsets.UTF_8.decode(buf).toString();
                  buf.clear();
                  for (char c : chunk.toCharArray()) {
                    if (c == '\n') {
                      events.add(line.toString());
                      line.setLength(0);
                    } else {
                      line.append(c);
                    }
                  }
                }
              } catch (AsynchronousCloseException e) {
                // closed or interrupted (ClosedByInterruptException): the test has what it needs
              } catch (IOException e) {
                events.add(e);
              }
            });
    child.onExit().thenRun(() -> events.add(EXITED));
    List<String> lines = new ArrayList<>();
    long start = System.nanoTime();
    try {
      while (lines.size() < count) {
        long left = PATIENCE.toNanos() - (System.nanoTime() - start);
        Object e = events.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
        if (e == null) {
          throw hung(
              child, stderr, "waiting for " + count + " lines on " + fifo + ", got " + lines);
        } else if (e == EXITED) {
          throw new AssertionError(
              "the child exited with "
                  + child.exitValue()
                  + " before writing "
                  + count
                  + " lines on "
                  + fifo
                  + " (got "
                  + lines
                  + "); its stderr:\n"
                  + stderr.get());
        } else if (e instanceof IOException io) {
          throw io;
        } else {
          lines.add((String) e);
        }
      }
      return lines;
    } finally {
      reader.interrupt();
      channel.close();
      reader.join();
    }
  }

  /**
   * Waits for the child to exit.
   *
   * @return its exit code
   * @throws AssertionError on a hang, with the child's thread dump and stderr
   */
  static int awaitExit(Process child, Path stderr) throws IOException, InterruptedException {
    if (!child.waitFor(PATIENCE.toNanos(), TimeUnit.NANOSECONDS)) {
      throw hung(child, stderr, "waiting for it to exit");
    }
    return child.exitValue();
  }

  private static AssertionError hung(Process child, Path stderr, String what)
      throws IOException, InterruptedException {
    return hung(child, () -> read(stderr), what);
  }

  private static AssertionError hung(Process child, Supplier<String> stderr, String what)
      throws IOException, InterruptedException {
    String dump = threadDump(child);
    child.destroyForcibly();
    child.waitFor();
    return new AssertionError(
        "hung "
            + what
            + " (child "
            + child.pid()
            + " still running after "
            + PATIENCE
            + "); its stderr:\n"
            + stderr.get()
            + "\nits threads:\n"
            + dump);
  }

  private static String threadDump(Process child) throws InterruptedException {
    Path jcmd =
        Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(child.pid()), "Thread.print")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    } catch (IOException e) {
      return "(no thread dump: " + e.getMessage() + ")";
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "(no stderr file)";
    } catch (IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }

  /**
   * A child's stderr, started with {@link ProcessBuilder.Redirect#PIPE}, read as it comes by a
   * daemon thread; {@link #get()} is everything read so far.
   */
  static final class Pipe implements Supplier<String> {
    private final Process child;
    private final StringBuffer text = new StringBuffer();
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

    Pipe(Process child) {
      this.child = child;
      Thread.ofPlatform()
          .name("test-stderr-reader")
          .daemon()
          .start(() -> {
            try (BufferedReader r = child.errorReader()) {
              String line;
              while ((line = r.readLine()) != null) {
                text.append(line).append('\n');
                events.add(line);
              }
            } catch (IOException e) {
              events.add(e);
            }
          });
      child.onExit().thenRun(() -> events.add(EXITED));
    }

    @Override
    public String get() {
      return text.toString();
    }

    /**
     * Waits for a line of stderr that contains {@code wanted}.
     *
     * @throws AssertionError if the child exits first, or on a hang
     */
    void awaitLine(String wanted) throws IOException, InterruptedException {
      long start = System.nanoTime();
      while (true) {
        long left = PATIENCE.toNanos() - (System.nanoTime() - start);
        Object e = events.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
        if (e == null) {
          throw hung(child, this, "waiting for '" + wanted + "' on its stderr");
        } else if (e == EXITED) {
          throw new AssertionError(
              "the child exited with "
                  + child.exitValue()
                  + " before writing '"
                  + wanted
                  + "' on stderr; its stderr:\n"
                  + get());
        } else if (e instanceof IOException io) {
          throw io;
        } else if (((String) e).contains(wanted)) {
          return;
        }
      }
    }
  }
}
