package dev.weft.cli;

import dev.weft.observe.WeftThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Starts job processes, each in a session and process group of its own ({@link NativeSpawn}, else
 * the {@code setsid} program), so that a timeout, a halt or Ctrl-C can kill the whole tree: {@code
 * TERM} to the group, a grace period, then {@code KILL}; processes that escaped the group are found
 * with {@link ProcessHandle#descendants()} before the signal and killed one by one. Output of each
 * job is captured (stdout and stderr apart) by two threads. When the job's own process exits but
 * something it started still holds its output open, the group is killed so the job ends and nothing
 * is left behind.
 *
 * <p>Thread-safe: every {@link Job} is independent.
 */
final class ProcessRunner {

  /** What a job's process did. */
  @SuppressWarnings("ArrayRecordComponent") // a carrier of output, never compared
  record Outcome(
      int exitValue, int signal, boolean timedOut, boolean killed, byte[] out, byte[] err) {}

  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final boolean NATIVE = NativeSpawn.available();

  /**
   * A read from {@link NativeSpawn}'s pipes blocks its thread in the kernel, which on a virtual
   * thread would hold a carrier (two jobs' readers would stall a 2-core machine's scheduler), so
   * those are read on platform threads; {@code ProcessBuilder}'s pipes park virtual threads
   * properly.
   */
  private static final ExecutorService READERS =
      NATIVE
          ? Executors.newCachedThreadPool(WeftThreads.platform("weft-run-output", true))
          : Executors.newThreadPerTaskExecutor(WeftThreads.virtual("weft-run-output"));

  private final boolean setsid;
  private final Duration grace;

  /**
   * @param grace how long a job has after {@code TERM} before {@code KILL}
   */
  ProcessRunner(Duration grace) {
    this.setsid = NATIVE || Files.isExecutable(SETSID);
    this.grace = grace;
  }

  /**
   * Starts {@code argv}; a program that cannot be started yields a job that already failed with
   * exit code 127, like a shell's "command not found".
   */
  Job start(List<String> argv) {
    try {
      if (NATIVE) {
        return new Job(NativeSpawn.start(argv));
      }
      List<String> cmd = argv;
      if (setsid) {
        cmd = new ArrayList<>(argv.size() + 1);
        cmd.add(SETSID.toString());
        cmd.addAll(argv);
      }
      Process p = new ProcessBuilder(cmd).start();
      p.getOutputStream().close();
      return new Job(p);
    } catch (IOException e) {
      return new Job(("weft: " + argv.getFirst() + ": " + e.getMessage() + "\n"));
    }
  }

  /** One started job. Its methods may be called from different threads. */
  final class Job {
    private final @Nullable Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final @Nullable Future<?> outReader;
    private final @Nullable Future<?> errReader;
    private volatile boolean killed;

    private Job(Process process) {
      this.process = process;
      this.outReader = READERS.submit(() -> drain(process.getInputStream(), out));
      this.errReader = READERS.submit(() -> drain(process.getErrorStream(), err));
    }

    private Job(String failure) {
      this.process = null;
      this.outReader = null;
      this.errReader = null;
      err.writeBytes(failure.getBytes(StandardCharsets.UTF_8));
    }

    /** {@return the process id, or -1 when it never started} */
    long pid() {
      Process p = process;
      return p == null ? -1 : p.pid();
    }

    /**
     * Waits until the job ends, killing its tree when {@code timeout} passes first.
     *
     * @param timeout how long the job may run; null for no limit
     * @return the outcome once the process and its output are done
     * @throws InterruptedException if interrupted while waiting (the job keeps running; call {@link
     *     #terminate()})
     */
    Outcome await(@Nullable Duration timeout) throws InterruptedException {
      Process p = process;
      if (p == null) {
        return new Outcome(127, 0, false, false, new byte[0], err.toByteArray());
      }
      boolean timedOut = false;
      if (timeout == null) {
        p.waitFor();
      } else if (!p.waitFor(nanos(timeout), TimeUnit.NANOSECONDS)) {
        timedOut = true;
        terminate();
      }
      int exit = p.waitFor();
      if (setsid && Signals.groupAlive(p.pid())) {
        // the job's process is gone but left processes behind in its group: end them too
        Signals.signalGroup(p.pid(), Signals.TERM);
        if (Signals.groupAlive(p.pid())) {
          Signals.signalGroup(p.pid(), Signals.KILL);
        }
        Signals.awaitGroupGone(p.pid(), grace);
      }
      joinReaders();
      int signal = 0;
      boolean k = killed;
      if (timedOut || k) {
        signal = exit > 128 ? exit - 128 : 15;
        exit = -1;
      }
      return new Outcome(exit, signal, timedOut, k, out.toByteArray(), err.toByteArray());
    }

    /**
     * Kills the job's whole tree: {@code TERM} to its process group, {@code KILL} after the grace
     * period, then {@code KILL} to any descendant that left the group. Returns once the job's own
     * process has exited.
     *
     * @throws InterruptedException if interrupted while waiting for the grace period
     */
    void terminate() throws InterruptedException {
      Process p = process;
      if (p == null || !p.isAlive()) {
        return;
      }
      killed = true;
      List<ProcessHandle> tree = p.descendants().toList();
      if (setsid) {
        Signals.signalGroup(p.pid(), Signals.TERM);
      } else {
        p.destroy();
        tree.forEach(ProcessHandle::destroy);
      }
      boolean exited = p.waitFor(nanos(grace), TimeUnit.NANOSECONDS);
      if (setsid) {
        Signals.signalGroup(p.pid(), Signals.KILL); // stragglers that ignored TERM
        Signals.awaitGroupGone(p.pid(), grace);
      }
      if (!exited) {
        p.destroyForcibly();
      }
      for (ProcessHandle h : tree) {
        if (h.isAlive()) {
          h.destroyForcibly();
        }
      }
      p.waitFor();
    }

    private void joinReaders() throws InterruptedException {
      Future<?> o = outReader;
      Future<?> e = errReader;
      if (o != null && e != null) {
        try {
          o.get();
          e.get();
        } catch (ExecutionException x) {
          throw new IllegalStateException("reading a job's output failed", x.getCause());
        }
      }
    }
  }

  private static long nanos(Duration d) {
    return dev.weft.time.TimeSource.saturatedNanos(d);
  }

  private static void drain(InputStream in, ByteArrayOutputStream sink) {
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        synchronized (sink) {
          sink.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // the pipe closed under us: the job was killed; what was read is kept
    }
  }
}
