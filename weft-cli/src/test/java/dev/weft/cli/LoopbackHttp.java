package dev.weft.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 for fetch tests: every request is counted per path, then answered
 * by the test's handler, which is told how many times its path was asked for.
 */
final class LoopbackHttp implements AutoCloseable {

  /** Answers one request. */
  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange exchange, int hit) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  final AtomicInteger requests = new AtomicInteger();

  LoopbackHttp(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(executor);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            requests.incrementAndGet();
            String path = ex.getRequestURI().getPath();
            int n = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            handler.handle(ex, n);
          }
        });
    server.start();
  }

  /** {@return http://127.0.0.1:PORT} */
  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** {@return the requests that asked for {@code path}} */
  int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  /** Sends {@code status} with {@code body}. */
  static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
