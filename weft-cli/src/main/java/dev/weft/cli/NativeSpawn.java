package dev.weft.cli;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Starts a job's process in a session of its own with one system call: glibc's {@code posix_spawnp}
 * with {@code POSIX_SPAWN_SETSID}, through the foreign function API. {@link ProcessBuilder} cannot
 * make a session, so without this each job costs two extra programs ({@code jspawnhelper}, then
 * {@code setsid}) before its own — on a short job, most of its cost. The child gets {@code
 * /dev/null} as stdin, two pipes as stdout and stderr, no other open descriptor ({@code
 * posix_spawn_file_actions_addclosefrom_np}), default signal dispositions and an empty signal mask.
 *
 * <p>{@link #available()} is false where any of that is missing (not Linux, an older glibc, native
 * access denied); {@link ProcessRunner} then uses {@code ProcessBuilder} and the {@code setsid}
 * program. Thread-safe.
 */
final class NativeSpawn {

  private static final int O_CLOEXEC = 0x80000;
  private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final int POSIX_SPAWN_SETSID = 0x80;
  private static final int ENOENT = 2;
  private static final int EACCES = 13;
  private static final long OPAQUE_BYTES = 1024; // larger than glibc's spawn attr, actions, sigset

  private static final @Nullable Functions FUNCTIONS = Functions.load();

  private NativeSpawn() {}

  /** {@return whether processes can be started this way here} */
  static boolean available() {
    return FUNCTIONS != null;
  }

  /**
   * Starts {@code argv} in a new session, searching {@code PATH} for the program.
   *
   * @throws IOException if it cannot be started, with the system's reason
   * @throws IllegalStateException if not {@link #available()}
   */
  static Process start(List<String> argv) throws IOException {
    Functions f = FUNCTIONS;
    if (f == null) {
      throw new IllegalStateException("native spawn is not available here");
    }
    return f.start(argv);
  }

  /** The libc functions, looked up once. */
  private record Functions(
      MethodHandle pipe2,
      MethodHandle close,
      MethodHandle spawnp,
      MethodHandle actionsInit,
      MethodHandle actionsDestroy,
      MethodHandle addDup2,
      MethodHandle addOpen,
      MethodHandle addCloseFrom,
      MethodHandle attrInit,
      MethodHandle attrDestroy,
      MethodHandle attrSetFlags,
      MethodHandle attrSetSigMask,
      MethodHandle attrSetSigDefault,
      MethodHandle sigEmptySet,
      MethodHandle sigFillSet,
      MethodHandle waitpid,
      MemorySegment environ) {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final AddressLayout ADDR = ValueLayout.ADDRESS;

    @SuppressWarnings("restricted") // libc calls need native access; the jar and ./weft enable it
    static @Nullable Functions load() {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
        return null;
      }
      try {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        return new Functions(
            handle(linker, libc, "pipe2", FunctionDescriptor.of(INT, ADDR, INT)),
            handle(linker, libc, "close", FunctionDescriptor.of(INT, INT)),
            handle(
                linker,
                libc,
                "posix_spawnp",
                FunctionDescriptor.of(INT, ADDR, ADDR, ADDR, ADDR, ADDR, ADDR)),
            handle(linker, libc, "posix_spawn_file_actions_init", FunctionDescriptor.of(INT, ADDR)),
            handle(
                linker, libc, "posix_spawn_file_actions_destroy", FunctionDescriptor.of(INT, ADDR)),
            handle(
                linker,
                libc,
                "posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(INT, ADDR, INT, INT)),
            handle(
                linker,
                libc,
                "posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(INT, ADDR, INT, ADDR, INT, INT)),
            handle(
                linker,
                libc,
                "posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(INT, ADDR, INT)),
            handle(linker, libc, "posix_spawnattr_init", FunctionDescriptor.of(INT, ADDR)),
            handle(linker, libc, "posix_spawnattr_destroy", FunctionDescriptor.of(INT, ADDR)),
            handle(linker, libc, "posix_spawnattr_setflags", FunctionDescriptor.of(INT, ADDR, INT)),
            handle(
                linker, libc, "posix_spawnattr_setsigmask", FunctionDescriptor.of(INT, ADDR, ADDR)),
            handle(
                linker,
                libc,
                "posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(INT, ADDR, ADDR)),
            handle(linker, libc, "sigemptyset", FunctionDescriptor.of(INT, ADDR)),
            handle(linker, libc, "sigfillset", FunctionDescriptor.of(INT, ADDR)),
            handle(linker, libc, "waitpid", FunctionDescriptor.of(INT, INT, ADDR, INT)),
            libc.find("environ").orElseThrow().reinterpret(ADDR.byteSize()));
      } catch (RuntimeException e) {
        return null; // a function is missing or native access is denied
      }
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(
        Linker linker, SymbolLookup libc, String name, FunctionDescriptor d) {
      return linker.downcallHandle(libc.find(name).orElseThrow(), d);
    }

    Process start(List<String> argv) throws IOException {
      int[] out = pipe();
      int[] err;
      try {
        err = pipe();
      } catch (IOException e) {
        closeAll(out);
        throw e;
      }
      // open the read ends while this process still holds the write ends: opening a pipe with no
      // writer left would block
      InputStream stdout = null;
      InputStream stderr = null;
      try {
        stdout = new FileInputStream("/proc/self/fd/" + out[0]);
        stderr = new FileInputStream("/proc/self/fd/" + err[0]);
        int pid = spawn(argv, out[1], err[1]);
        return new Spawned(this, pid, stdout, stderr);
      } catch (IOException | RuntimeException e) {
        closeQuietly(stdout);
        closeQuietly(stderr);
        throw e;
      } finally {
        closeAll(out);
        closeAll(err);
      }
    }

    private int spawn(List<String> argv, int outFd, int errFd) throws IOException {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment actions = arena.allocate(OPAQUE_BYTES, 16);
        MemorySegment attr = arena.allocate(OPAQUE_BYTES, 16);
        MemorySegment none = arena.allocate(OPAQUE_BYTES, 16);
        MemorySegment all = arena.allocate(OPAQUE_BYTES, 16);
        MemorySegment pid = arena.allocate(INT);
        MemorySegment args = arena.allocate(ADDR, argv.size() + 1L);
        for (int i = 0; i < argv.size(); i++) {
          args.setAtIndex(ADDR, i, arena.allocateFrom(argv.get(i)));
        }
        args.setAtIndex(ADDR, argv.size(), MemorySegment.NULL);
        check((int) actionsInit.invokeExact(actions), "posix_spawn_file_actions_init");
        check((int) attrInit.invokeExact(attr), "posix_spawnattr_init");
        try {
          MemorySegment devNull = arena.allocateFrom("/dev/null");
          check((int) addOpen.invokeExact(actions, 0, devNull, 0, 0), "addopen");
          check((int) addDup2.invokeExact(actions, outFd, 1), "adddup2");
          check((int) addDup2.invokeExact(actions, errFd, 2), "adddup2");
          check((int) addCloseFrom.invokeExact(actions, 3), "addclosefrom_np");
          check((int) sigEmptySet.invokeExact(none), "sigemptyset");
          check((int) sigFillSet.invokeExact(all), "sigfillset");
          check((int) attrSetSigMask.invokeExact(attr, none), "setsigmask");
          check((int) attrSetSigDefault.invokeExact(attr, all), "setsigdefault");
          check(
              (int)
                  attrSetFlags.invokeExact(
                      attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
              "setflags");
          MemorySegment env = environ.get(ADDR, 0);
          int rc =
              (int)
                  spawnp.invokeExact(
                      pid, arena.allocateFrom(argv.getFirst()), actions, attr, args, env);
          if (rc != 0) {
            throw new IOException(
                switch (rc) {
                  case ENOENT -> "No such file or directory";
                  case EACCES -> "Permission denied";
                  default -> "cannot start it (error " + rc + ")";
                });
          }
          return pid.get(INT, 0);
        } finally {
          int _ = (int) actionsDestroy.invokeExact(actions);
          int _ = (int) attrDestroy.invokeExact(attr);
        }
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException("posix_spawnp failed", t);
      }
    }

    private static void check(int rc, String what) {
      if (rc != 0) {
        throw new IllegalStateException(what + " failed: " + rc);
      }
    }

    private int[] pipe() throws IOException {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment fds = arena.allocate(INT, 2);
        if ((int) pipe2.invokeExact(fds, O_CLOEXEC) != 0) {
          throw new IOException("cannot create a pipe (too many open files?)");
        }
        return new int[] {fds.getAtIndex(INT, 0), fds.getAtIndex(INT, 1)};
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException("pipe2 failed", t);
      }
    }

    private void closeAll(int[] fds) {
      for (int fd : fds) {
        try {
          int _ = (int) close.invokeExact(fd);
        } catch (Throwable t) {
          // nothing more to do
        }
      }
    }

    /** Reaps {@code pid}, which has exited; {@return its status as Process#exitValue gives it} */
    int reap(int pid) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment status = arena.allocate(INT);
        int r = (int) waitpid.invokeExact(pid, status, 0);
        if (r != pid) {
          return 255; // reaped elsewhere: the status is lost
        }
        int s = status.get(INT, 0);
        int signal = s & 0x7f;
        return signal == 0 ? (s >> 8) & 0xff : 128 + signal;
      } catch (Throwable t) {
        return 255;
      }
    }
  }

  private static void closeQuietly(@Nullable InputStream in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing more to do
      }
    }
  }

  /** A process started by {@link #start}: waited for through its {@link ProcessHandle}. */
  private static final class Spawned extends Process {
    private final int pid;
    private final ProcessHandle handle;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Process> exited;
    private int exitValue = -1; // guarded by this
    private boolean reaped; // guarded by this

    Spawned(Functions functions, int pid, InputStream stdout, InputStream stderr) {
      this.pid = pid;
      this.stdout = stdout;
      this.stderr = stderr;
      // a child that is not reaped stays visible (a zombie) until reap(): the handle is there
      this.handle = ProcessHandle.of(pid).orElseThrow();
      // onExit waits without reaping (waitid WNOWAIT); the pid stays ours until reaped here
      this.exited =
          handle
              .onExit()
              .thenApply(h -> {
                synchronized (this) {
                  exitValue = functions.reap(pid);
                  reaped = true;
                }
                return this;
              });
    }

    @Override
    public OutputStream getOutputStream() {
      return OutputStream.nullOutputStream(); // stdin is /dev/null
    }

    @Override
    public InputStream getInputStream() {
      return stdout;
    }

    @Override
    public InputStream getErrorStream() {
      return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
      try {
        exited.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("waiting for process " + pid + " failed", e.getCause());
      }
      return exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
      try {
        exited.get(timeout, unit);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        throw new IllegalStateException("waiting for process " + pid + " failed", e.getCause());
      }
    }

    @Override
    public synchronized int exitValue() {
      if (!reaped) {
        throw new IllegalThreadStateException("process " + pid + " has not exited");
      }
      return exitValue;
    }

    @Override
    public void destroy() {
      signal(Signals.TERM);
    }

    @Override
    public Process destroyForcibly() {
      signal(Signals.KILL);
      return this;
    }

    private synchronized void signal(int signal) {
      if (!reaped) { // once reaped, the pid may belong to someone else
        Signals.signalProcess(pid, signal);
      }
    }

    @Override
    public boolean isAlive() {
      return !exited.isDone();
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public ProcessHandle toHandle() {
      return handle;
    }

    @Override
    public CompletableFuture<Process> onExit() {
      return exited;
    }
  }
}
