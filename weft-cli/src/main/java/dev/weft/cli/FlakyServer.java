package dev.weft.cli;

import com.sun.net.httpserver.HttpServer;
import dev.weft.time.TimeSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The demo's misbehaving server on loopback: random latency, some 500s, some 429s with {@code
 * Retry-After}; and {@link #deadPort()}, a loopback port nobody listens on (a host that is down).
 * Thread-safe; {@link #close} stops it.
 */
final class FlakyServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;
  private final int deadPort;

  /**
   * Starts the server.
   *
   * @param errorPercent share of 500 responses
   * @param throttlePercent share of 429 responses with {@code Retry-After: 1}
   * @param maxLatency upper bound of the random delay before each response
   */
  FlakyServer(TimeSource time, int errorPercent, int throttlePercent, Duration maxLatency)
      throws IOException {
    executor =
        Executors.newThreadPerTaskExecutor(
            dev.weft.observe.WeftThreads.virtual("weft-demo-server"));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(executor);
    byte[] filler = new byte[4096];
    Arrays.fill(filler, (byte) 'w');
    long maxMicros = Math.max(1, maxLatency.toNanos() / 1000);
    server.createContext(
        "/",
        exchange -> {
          ThreadLocalRandom r = ThreadLocalRandom.current();
          try (exchange) {
            time.sleep(Duration.ofNanos(r.nextLong(maxMicros) * 1000));
            int roll = r.nextInt(100);
            int status =
                roll < errorPercent ? 500 : roll < errorPercent + throttlePercent ? 429 : 200;
            if (status == 429) {
              exchange.getResponseHeaders().add("Retry-After", "1");
            }
            int size = status == 200 ? 256 + r.nextInt(filler.length - 256) : 0;
            exchange.sendResponseHeaders(status, size == 0 ? -1 : size);
            if (size > 0) {
              try (OutputStream os = exchange.getResponseBody()) {
                os.write(filler, 0, size);
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // closed again: connections to it are refused
    }
  }

  /** {@return the base URL of the flaky server} */
  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** {@return a loopback port nobody listens on} */
  int deadPort() {
    return deadPort;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
