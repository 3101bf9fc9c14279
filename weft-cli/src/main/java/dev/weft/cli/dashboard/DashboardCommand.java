package dev.weft.cli.dashboard;

import dev.weft.jobs.JobQueue;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft dashboard}: serves the web console over HTTP until the process is stopped. Reads a
 * SQLite state file ({@code .weft/state.db} by default: the runs of {@code weft run}, and the job
 * queue if the file holds one) or, with {@code --db}, a shared PostgreSQL queue. Binds {@code
 * 127.0.0.1} unless told otherwise; any other bind requires a token.
 */
@Command(
    name = "dashboard",
    description =
        "Serves a web console of runs, queues, jobs, dead letters and workers on"
            + " http://127.0.0.1:7070/ (Ctrl-C stops it).")
public final class DashboardCommand implements Callable<Integer> {

  /** The default port. */
  public static final int DEFAULT_PORT = 7070;

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description = "SQLite state file to show (default .weft/state.db).")
  Path state = Path.of(".weft", "state.db");

  @Option(
      names = "--db",
      paramLabel = "URL",
      description = "postgres://... : show the shared queue instead of a state file.")
  @Nullable String db;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      description = "Address to listen on (default 127.0.0.1; others need a token).")
  String bind = "127.0.0.1";

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "Port to listen on, 0 to pick a free one (default 7070).")
  int port = DEFAULT_PORT;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "Token every request must carry (?token= once, then a cookie, or 'Authorization: Bearer');"
              + " generated and printed when binding beyond loopback without one.")
  @Nullable String token;

  @Option(names = "--read-only", description = "Show only: no retry, discard, pause or limits.")
  boolean readOnly;

  private final PrintStream out;
  private final Consumer<String> checkDatabase;
  private final Runnable prepareSqlite;

  /**
   * Creates the command.
   *
   * @param out where the URL is printed
   * @param checkDatabase validates a {@code --db} value and checks the server is reachable,
   *     throwing with one line if not
   * @param prepareSqlite readies the SQLite driver before the first file is opened
   */
  public DashboardCommand(PrintStream out, Consumer<String> checkDatabase, Runnable prepareSqlite) {
    this.out = out;
    this.checkDatabase = checkDatabase;
    this.prepareSqlite = prepareSqlite;
  }

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be 0 to 65535, was " + port);
    }
    InetAddress address = address(bind);
    if (token != null && (token.length() < 8 || !token.matches("[A-Za-z0-9._~-]+"))) {
      throw new IllegalArgumentException(
          "--token must be at least 8 characters of letters, digits and ._~-, was '" + token + "'");
    }
    String tok = token;
    boolean generated = false;
    if (tok == null && !address.isLoopbackAddress()) {
      tok = DashboardServer.randomHex(24);
      generated = true;
    }
    Console console = open();
    try (DashboardServer server = start(console, tok, new InetSocketAddress(address, port))) {
      String host = address.isAnyLocalAddress() ? "127.0.0.1" : bind;
      String url = server.uri(host).toString();
      out.println("weft dashboard of " + console.source() + " on " + url);
      if (tok != null) {
        out.println(
            (generated ? "token (generated): " : "token: ")
                + tok
                + "  (open "
                + url
                + "?token="
                + tok
                + ")");
      }
      if (readOnly) {
        out.println("read-only: actions are switched off");
      }
      out.flush();
      new CountDownLatch(1).await();
      return 0;
    }
  }

  /** Parses an IP literal or {@code localhost}, never asking DNS (a bind must not hang). */
  static InetAddress address(String bind) {
    boolean v4 = bind.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = bind.contains(":") && bind.matches("[0-9A-Fa-f:.]+");
    try {
      if (bind.equals("localhost")) {
        return InetAddress.getLoopbackAddress();
      }
      if (v4 || v6) {
        InetAddress a = InetAddress.getByName(bind);
        if (v4) {
          for (String part : bind.split("\\.", -1)) {
            if (Integer.parseInt(part) > 255) {
              throw new UnknownHostException(bind);
            }
          }
        }
        return a;
      }
    } catch (UnknownHostException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--bind must be an IP address of this host (such as 127.0.0.1 or 0.0.0.0) or localhost,"
            + " was '"
            + bind
            + "'");
  }

  private DashboardServer start(Console console, @Nullable String tok, InetSocketAddress at) {
    try {
      return new DashboardServer(console, tok, readOnly, TimeSource.system(), at);
    } catch (BindException e) {
      throw new IllegalArgumentException(
          "--bind " + bind + " --port " + port + " cannot be used: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
    }
  }

  private Console open() {
    String url = db;
    if (url != null) {
      checkDatabase.accept(url);
      return new Console(JobQueue.open(url), null, "queue " + url.replaceAll(":[^:@/]*@", ":***@"));
    }
    if (!Files.exists(state)) {
      throw new IllegalArgumentException(
          "--state '" + state + "' does not exist (no run or queue recorded here yet)");
    }
    if (!Files.isRegularFile(state)) {
      throw new IllegalArgumentException("--state '" + state + "' is not a file");
    }
    prepareSqlite.run();
    Path abs = state.toAbsolutePath();
    checkHeader(abs);
    RunFile runs = new RunFile(abs);
    boolean hasQueue = RunFile.hasQueue(abs);
    boolean hasRuns = runs.hasRuns();
    return new Console(
        hasQueue ? JobQueue.sqlite(abs) : null, hasRuns ? runs : null, "state file " + state);
  }

  private static void checkHeader(Path file) {
    byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try (var in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(magic.length);
      if (head.length > 0 && !java.util.Arrays.equals(head, magic)) {
        throw new IllegalArgumentException("--state '" + file + "' is not a SQLite database");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--state '" + file + "' cannot be read: " + e.getMessage(), e);
    }
  }
}
