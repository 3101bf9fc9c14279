package dev.weft.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code weft dashboard} child process on a free loopback port: started with {@code --port
 * 0}, it prints its URL, which {@link #start} waits for (failing at once with the child's stderr if
 * it exits first). {@link #close} kills it. Test helper.
 */
final class DashboardChild implements AutoCloseable {

  private static final Object EXITED = new Object();

  final Process process;
  final URI uri;
  final List<String> out = new ArrayList<>();
  private final Child.Pipe stderr;

  private DashboardChild(Process process, URI uri, List<String> out, Child.Pipe stderr) {
    this.process = process;
    this.uri = uri;
    this.out.addAll(out);
    this.stderr = stderr;
  }

  /** Starts {@code weft dashboard --port 0 args} and waits for the line with its URL. */
  static DashboardChild start(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("dashboard", "--port", "0"));
    all.addAll(List.of(args));
    Process p = new ProcessBuilder(Child.weftCommand(all.toArray(String[]::new))).start();
    Child.Pipe err = new Child.Pipe(p);
    BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    Thread.ofPlatform()
        .name("test-dashboard-stdout")
        .daemon()
        .start(() -> {
          try (BufferedReader r = p.inputReader()) {
            String line;
            while ((line = r.readLine()) != null) {
              lines.add(line);
            }
          } catch (IOException e) {
            lines.add(e);
          }
        });
    p.onExit().thenRun(() -> lines.add(EXITED));
    List<String> seen = new ArrayList<>();
    while (true) {
      Object e = lines.poll(Child.PATIENCE.toSeconds(), TimeUnit.SECONDS);
      if (e == null) {
        p.destroyForcibly();
        throw new AssertionError("weft dashboard printed no URL; stderr:\n" + err.get());
      }
      if (e == EXITED) {
        throw new AssertionError(
            "weft dashboard exited with "
                + p.exitValue()
                + " before serving; stderr:\n"
                + err.get());
      }
      if (e instanceof IOException io) {
        throw io;
      }
      String line = (String) e;
      seen.add(line);
      int at = line.indexOf(" on http://");
      if (at >= 0) {
        // the token line, if any, follows the URL line at once
        if (List.of(args).contains("--token") || List.of(args).contains("0.0.0.0")) {
          Object t = lines.poll(Child.PATIENCE.toSeconds(), TimeUnit.SECONDS);
          if (t instanceof String s) {
            seen.add(s);
          }
        }
        return new DashboardChild(p, URI.create(line.substring(at + 4).strip()), seen, err);
      }
    }
  }

  /** {@return the child's stderr so far} */
  String stderr() {
    return stderr.get();
  }

  /** {@return the URL of {@code path} (which starts with a slash)} */
  URI at(String path) {
    return uri.resolve(path);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
  }
}
