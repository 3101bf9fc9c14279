package dev.weft.cli;

import com.sun.net.httpserver.HttpServer;
import dev.weft.policy.Backoff;
import dev.weft.time.TimeSource;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weft demo}: starts a flaky HTTP server on loopback and fetches from it concurrently with
 * retries and backoff, then prints a summary.
 */
@Command(
    name = "demo",
    description = "Fetches from a flaky HTTP server on loopback with retries, and summarizes.")
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--requests", defaultValue = "2000", description = "How many URLs to fetch.")
  int requests;

  @Option(
      names = {"-j", "--jobs"},
      defaultValue = "64",
      description = "Requests in flight at once.")
  int concurrency;

  private final TimeSource time = TimeSource.system();
  private final PrintStream stdout;
  private final PrintStream stderr;

  DemoCommand(PrintStream out, PrintStream err) {
    this.stdout = out;
    this.stderr = err;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    stderr.flush();
    stdout.flush();
    if (requests < 1 || concurrency < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--requests and --jobs must be >= 1");
    }
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          ThreadLocalRandom r = ThreadLocalRandom.current();
          try {
            time.sleep(Duration.ofMillis(r.nextInt(2, 20)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          int status = r.nextInt(100) < 15 ? 500 : 200;
          byte[] body =
              ("item " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/item/";
    out.printf(
        "weft demo: %d requests to a flaky server on %s, %d at a time, up to 4 tries each%n",
        requests, base, concurrency);
    Backoff backoff =
        Backoff.exponential(Duration.ofMillis(5), 2.0).max(Duration.ofMillis(100)).fullJitter();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger retried = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    long[] latencies = new long[requests];
    Semaphore inFlight = new Semaphore(concurrency);
    long start = time.read();
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>(requests);
      for (int i = 0; i < requests; i++) {
        int n = i;
        inFlight.acquire();
        futures.add(
            pool.submit(() -> {
              try {
                SplittableRandom random = new SplittableRandom(n);
                long t0 = time.read();
                for (int attempt = 1; ; attempt++) {
                  HttpResponse<byte[]> res =
                      client.send(
                          HttpRequest.newBuilder(URI.create(base + n))
                              .timeout(Duration.ofSeconds(10))
                              .build(),
                          HttpResponse.BodyHandlers.ofByteArray());
                  if (res.statusCode() == 200) {
                    latencies[n] = time.read() - t0;
                    bytes.addAndGet(res.body().length);
                    (attempt > 1 ? retried : ok).incrementAndGet();
                    return null;
                  }
                  if (attempt == 4) {
                    latencies[n] = time.read() - t0;
                    failed.incrementAndGet();
                    return null;
                  }
                  time.sleep(backoff.delay(attempt, random));
                }
              } finally {
                inFlight.release();
              }
            }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      server.stop(0);
    }
    Duration took = time.since(start);
    Arrays.sort(latencies);
    out.println();
    out.printf("  ok first try   %6d%n", ok.get());
    out.printf("  ok after retry %6d%n", retried.get());
    out.printf("  failed         %6d%n", failed.get());
    out.printf("  bytes          %6d%n", bytes.get());
    out.printf("  p50 latency    %6.1f ms%n", latencies[requests / 2] / 1e6);
    out.printf(
        "  p99 latency    %6.1f ms%n",
        latencies[Math.min(requests - 1, requests * 99 / 100)] / 1e6);
    out.printf(
        "  throughput     %6.0f req/s (%.2f s)%n",
        requests / (took.toNanos() / 1e9), took.toNanos() / 1e9);
    return 0;
  }
}
