package dev.weft.cli.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import dev.weft.jobs.JobStoreException;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's HTTP server on the JDK's {@code com.sun.net.httpserver}: routes each request to a
 * page, its {@code /api/...} JSON, a POST action or a static asset, each request on its own virtual
 * thread. Checks the token (when one is set) on every request in constant time, and an anti-forgery
 * value on every POST; answers bad input with a 4xx and one line. Thread-safe.
 *
 * <p>Routes: {@code / /runs/KEY /jobs /jobs/ID /dead /queues /workers /confirm}, the same under
 * {@code /api} as JSON (but {@code /confirm}), {@code POST /actions/NAME} (a 303 back to the page)
 * and {@code POST /api/actions/NAME} (JSON), {@code /health}, {@code /static/weft.css|js}.
 */
public final class DashboardServer implements AutoCloseable {

  private static final String COOKIE = "weft_token";

  private final Console console;
  private final Pages pages;
  private final @Nullable String token;
  private final String csrf;
  private final boolean readOnly;
  private final TimeSource time;
  private final HttpServer server;
  private final ExecutorService executor;

  DashboardServer(
      Console console,
      @Nullable String token,
      boolean readOnly,
      TimeSource time,
      InetSocketAddress address)
      throws IOException {
    this.console = console;
    this.token = token;
    this.readOnly = readOnly;
    this.time = time;
    this.csrf = randomHex(16);
    this.pages = new Pages(csrf, readOnly);
    this.server = HttpServer.create(address, 64);
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * {@return a dashboard of {@code queue} (named {@code source} on its pages), with actions and no
   * token, serving on {@code address}} For benchmarks and embedding; the command line builds its
   * own through {@link DashboardCommand}.
   *
   * @throws IOException if it cannot listen there
   */
  public static DashboardServer serve(JobQueue queue, String source, InetSocketAddress address)
      throws IOException {
    return new DashboardServer(
        new Console(queue, null, source), null, false, queue.time(), address);
  }

  /** {@return {@code bytes} random bytes as hex, for a generated token} */
  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** {@return the address the server listens on} */
  InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@return the URL of the overview, with the host as bound} */
  public URI uri(String host) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + server.getAddress().getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    long start = time.read();
    try (ex) {
      Request req;
      try {
        req = Request.of(ex);
      } catch (PageError e) {
        send(
            ex,
            e.status(),
            "text/plain; charset=utf-8",
            String.valueOf(e.getMessage()) + "\n",
            start);
        return;
      }
      try {
        if (!req.path.equals("/health") && !authorized(ex, req)) {
          return;
        }
        route(ex, req, start);
      } catch (PageError e) {
        fail(ex, req, e.status(), String.valueOf(e.getMessage()), start);
      } catch (JobStoreException | IllegalStateException e) {
        fail(ex, req, 503, "the store cannot answer: " + e.getMessage(), start);
      } catch (RuntimeException e) {
        fail(ex, req, 500, "internal error: " + e, start);
      }
    }
  }

  private boolean authorized(HttpExchange ex, Request req) throws IOException {
    String expected = token;
    if (expected == null) {
      return true;
    }
    String given = null;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.startsWith("Bearer ")) {
      given = auth.substring(7).strip();
    }
    String cookies = ex.getRequestHeaders().getFirst("Cookie");
    if (given == null && cookies != null) {
      for (String c : Request.split(cookies, ';')) {
        String t = c.strip();
        if (t.startsWith(COOKIE + "=")) {
          given = t.substring(COOKIE.length() + 1);
        }
      }
    }
    String inQuery = req.params.get("token");
    if (inQuery != null && same(inQuery, expected)) {
      // a link with ?token= logs the browser in: the cookie carries the token from then on
      ex.getResponseHeaders()
          .add("Set-Cookie", COOKIE + "=" + expected + "; Path=/; HttpOnly; SameSite=Strict");
      ex.getResponseHeaders().add("Location", req.path);
      ex.sendResponseHeaders(303, -1);
      return false;
    }
    if (given != null && same(given, expected)) {
      return true;
    }
    String msg =
        "a token is required: open the URL with ?token=TOKEN (printed at start) or send"
            + " 'Authorization: Bearer TOKEN'";
    byte[] body =
        req.api
            ? Json.bytes(Map.of("error", msg, "status", 401))
            : (msg + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders()
        .add("Content-Type", req.api ? "application/json" : "text/plain; charset=utf-8");
    ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"weft\"");
    ex.sendResponseHeaders(401, body.length);
    ex.getResponseBody().write(body);
    return false;
  }

  /** Compares in time that depends only on the lengths, not on where the strings differ. */
  static boolean same(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private void fail(HttpExchange ex, Request req, int status, String message, long start)
      throws IOException {
    if (req.api) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("error", message);
      m.put("status", status);
      send(ex, status, "application/json", Json.bytes(m), start);
    } else {
      String title = status == 404 ? "Not found" : status == 409 ? "Not done" : "Cannot do that";
      send(
          ex,
          status,
          "text/html; charset=utf-8",
          Html.page(title, "", "", message, true, "<p><a href=\"/\">Back to the overview</a></p>"),
          start);
    }
  }

  private void send(HttpExchange ex, int status, String type, String body, long start)
      throws IOException {
    send(ex, status, type, body.getBytes(StandardCharsets.UTF_8), start);
  }

  private void send(HttpExchange ex, int status, String type, byte[] body, long start)
      throws IOException {
    var h = ex.getResponseHeaders();
    h.set("Content-Type", type);
    h.set(
        "Cache-Control",
        type.startsWith("text/css") || type.contains("javascript") ? "max-age=300" : "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
    h.set("Server-Timing", String.format("app;dur=%.2f", (time.read() - start) / 1e6));
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private void redirect(HttpExchange ex, String location) throws IOException {
    ex.getResponseHeaders().set("Location", location);
    ex.sendResponseHeaders(303, -1);
  }

  // ---- routes -----------------------------------------------------------------------------

  private void route(HttpExchange ex, Request req, long start) throws IOException {
    String path = req.path;
    if (req.method.equals("POST")) {
      action(ex, req, start);
      return;
    }
    if (!req.method.equals("GET")) {
      throw new PageError(405, "method " + req.method + " is not allowed on " + path);
    }
    if (path.equals("/health")) {
      console.queueNames();
      send(ex, 200, "application/json", Json.bytes(Map.of("status", "ok")), start);
      return;
    }
    if (path.startsWith("/static/")) {
      asset(ex, path.substring(8), start);
      return;
    }
    String page = req.api ? path.substring(4) : path;
    if (page.isEmpty()) {
      page = "/";
    }
    String flash = req.get("msg");
    String err = req.get("err");
    Map<String, Object> data;
    String title;
    String nav;
    String html;
    if (page.equals("/")) {
      data = console.overview(console.hasQueue() ? console.now() : time.wallTime());
      title = "Overview";
      nav = "Overview";
      html = req.api ? "" : pages.overview(data);
    } else if (page.startsWith("/runs/")) {
      data = console.runPage(java.net.URLDecoder.decode(page.substring(6), StandardCharsets.UTF_8));
      title = "Run " + data.get("key");
      nav = "Overview";
      html = req.api ? "" : pages.run(data);
    } else if (page.equals("/jobs")) {
      Long id = req.id("id");
      if (id != null && !req.api) {
        redirect(ex, "/jobs/" + id);
        return;
      }
      if (id != null) {
        data = console.job(id);
        title = "";
        nav = "";
        html = "";
      } else {
        data = console.jobs(console.filter(req, null));
        title = "Jobs of " + data.get("queue");
        nav = "Jobs";
        html = req.api ? "" : pages.jobs(data);
      }
    } else if (page.startsWith("/jobs/")) {
      data = console.job(Request.parseId("job id", page.substring(6)));
      title = "Job " + data.get("id");
      nav = "Jobs";
      html = req.api ? "" : pages.job(data);
    } else if (page.equals("/dead")) {
      data = console.jobs(console.filter(req, JobState.DEAD));
      title = "Dead letters of " + data.get("queue");
      nav = "Dead letters";
      html = req.api ? "" : pages.dead(data);
    } else if (page.equals("/queues")) {
      data = console.queues();
      title = "Queues";
      nav = "Queues";
      html = req.api ? "" : pages.queues(data);
    } else if (page.equals("/workers")) {
      data = console.workers(console.now());
      title = "Workers";
      nav = "Workers";
      html = req.api ? "" : pages.workers(data);
    } else if (page.equals("/confirm") && !req.api) {
      confirm(ex, req, start);
      return;
    } else {
      throw PageError.notFound("no page " + path);
    }
    if (req.api) {
      send(ex, 200, "application/json", Json.bytes(data), start);
    } else {
      String api = "/api" + (page.equals("/") ? "" : page) + query(ex);
      send(
          ex,
          200,
          "text/html; charset=utf-8",
          Html.page(title, nav, api, err != null ? err : flash, err != null, html),
          start);
    }
  }

  private static String query(HttpExchange ex) {
    String q = ex.getRequestURI().getRawQuery();
    return q == null ? "" : "?" + q;
  }

  private void confirm(HttpExchange ex, Request req, long start) throws IOException {
    checkWritable();
    String action = req.required("action");
    Console.Filter f = console.filter(req, JobState.DEAD);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("queue", f.queue());
    String question;
    String back = "/dead?queue=" + Html.url(f.queue());
    switch (action) {
      case "discard" -> {
        long id = Request.parseId("id", req.required("id"));
        fields.put("id", Long.toString(id));
        question = "Discard dead job " + id + " of queue '" + f.queue() + "' for good?";
        back = "/jobs/" + id;
      }
      case "retry-all", "discard-all" -> {
        int n = console.matchingDead(f).size();
        for (String k : List.of("kind", "key", "text")) {
          String v = req.get(k);
          if (v != null) {
            fields.put(k, v);
          }
        }
        question =
            (action.equals("retry-all") ? "Retry " : "Discard for good ")
                + (n >= Console.MAX_BULK ? "the first " + n : "all " + n)
                + " dead jobs of queue '"
                + f.queue()
                + "'"
                + (fields.size() > 1 ? " that match the filter" : "")
                + "?";
      }
      default -> throw PageError.badRequest("unknown action '" + action + "'");
    }
    send(
        ex,
        200,
        "text/html; charset=utf-8",
        Html.page(
            "Confirm",
            "Dead letters",
            "",
            null,
            false,
            pages.confirm(action, question, fields, back)),
        start);
  }

  private void checkWritable() {
    if (readOnly) {
      throw new PageError(403, "the dashboard runs with --read-only: actions are switched off");
    }
  }

  private void action(HttpExchange ex, Request req, long start) throws IOException {
    checkWritable();
    boolean api = req.api;
    String name = req.path.substring(api ? "/api/actions/".length() : "/actions/".length());
    if (!req.path.startsWith(api ? "/api/actions/" : "/actions/")) {
      throw new PageError(405, "POST is not allowed on " + req.path);
    }
    if (!api) {
      String given = req.params.get("csrf");
      if (given == null || !same(given, csrf)) {
        throw new PageError(
            403, "the form is stale or from another site: reload the page and try again");
      }
    } else if (ex.getRequestHeaders().getFirst("Origin") != null) {
      throw new PageError(403, "the JSON API does not take requests from browser pages");
    }
    if (name.equals("retry-run")) {
      String key = req.required("run");
      String message = console.retryRun(key);
      if (api) {
        send(
            ex, 200, "application/json", Json.bytes(Map.of("ok", true, "message", message)), start);
      } else {
        redirect(ex, "/runs/" + Html.url(key) + "?msg=" + Html.url(message));
      }
      return;
    }
    String queue = req.required("queue");
    String message;
    String back;
    switch (name) {
      case "retry" -> {
        long id = Request.parseId("id", req.required("id"));
        message = console.retry(queue, id);
        back = "/jobs/" + id;
      }
      case "discard" -> {
        long id = Request.parseId("id", req.required("id"));
        message = console.discard(queue, id);
        back = "/dead?queue=" + Html.url(queue);
      }
      case "retry-all" -> {
        message = console.retryAll(console.filter(req, JobState.DEAD));
        back = "/dead?queue=" + Html.url(queue);
      }
      case "discard-all" -> {
        message = console.discardAll(console.filter(req, JobState.DEAD));
        back = "/dead?queue=" + Html.url(queue);
      }
      case "pause" -> {
        message = console.pause(queue);
        back = "/queues";
      }
      case "resume" -> {
        message = console.resume(queue);
        back = "/queues";
      }
      case "limits" -> {
        message = console.limits(queue, req);
        back = "/queues";
      }
      default -> throw PageError.notFound("no action '" + name + "'");
    }
    if (api) {
      send(ex, 200, "application/json", Json.bytes(Map.of("ok", true, "message", message)), start);
    } else {
      redirect(ex, back + (back.contains("?") ? "&" : "?") + "msg=" + Html.url(message));
    }
  }

  private void asset(HttpExchange ex, String name, long start) throws IOException {
    String type =
        switch (name) {
          case "weft.css" -> "text/css; charset=utf-8";
          case "weft.js" -> "text/javascript; charset=utf-8";
          default -> throw PageError.notFound("no asset " + name);
        };
    try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw PageError.notFound("no asset " + name + " in the jar");
      }
      send(ex, 200, type, in.readAllBytes(), start);
    }
  }
}
