package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetchCommandTest {

  @TempDir Path dir;
  private HttpServer server;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final CountDownLatch hanging = new CountDownLatch(2); // requests held by /hang
  private final CountDownLatch release = new CountDownLatch(1);
  private String base;
  private int deadPort;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          if (path.startsWith("/hang")) {
            hanging.countDown();
            try {
              release.await(); // a day, unless the test ends
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          int n = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
          int status =
              switch (path) {
                case "/broken" -> 500;
                case "/missing" -> 404;
                case "/busy" -> n == 1 ? 429 : 200;
                case "/flaky" -> n < 3 ? 503 : 200;
                default -> 200;
              };
          if (status == 429) {
            ex.getResponseHeaders().add("Retry-After", "0");
          }
          byte[] body = (ex.getRequestMethod() + " " + path).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  @Test
  void fetchesRetriesAndReports() throws IOException {
    Path urls =
        Files.write(
            dir.resolve("urls"),
            List.of(
                base + "/ok",
                base + "/busy",
                base + "/flaky",
                base + "/broken",
                base + "/missing",
                "{\"url\": \"" + base + "/post\", \"method\": \"POST\", \"body\": \"hi\"}",
                "http://127.0.0.1:" + deadPort + "/down"));
    Path out = dir.resolve("out.jsonl");
    Path dead = dir.resolve("dead");
    Cli c =
        Cli.run(
            "",
            "fetch",
            "--state",
            dir.resolve("s.db").toString(),
            "--backoff",
            "fixed:1ms",
            "--retries",
            "3",
            "--breaker-window", // 6 of the host's 11 calls fail: its breaker must not judge yet
            "100",
            "--http1",
            "-o",
            out.toString(),
            "--dead-letter",
            dead.toString(),
            "--bodies",
            dir.resolve("bodies").toString(),
            urls.toString());
    assertThat(c.exit).as(c.err()).isEqualTo(3); // broken, missing, down
    ObjectMapper json = new ObjectMapper();
    Map<String, JsonNode> byPath = new HashMap<>();
    for (String line : Files.readAllLines(out)) {
      JsonNode n = json.readTree(line);
      byPath.put(n.get("url").asText().replaceAll("^http://[^/]+", ""), n);
    }
    assertThat(byPath.get("/ok").get("status").asInt()).isEqualTo(200);
    assertThat(byPath.get("/ok").get("attempts").asInt()).isEqualTo(1);
    assertThat(byPath.get("/busy").get("attempts").asInt()).isEqualTo(2);
    assertThat(byPath.get("/flaky").get("attempts").asInt()).isEqualTo(3);
    assertThat(byPath.get("/broken").get("error").asText()).isEqualTo("HTTP 500");
    assertThat(byPath.get("/broken").get("attempts").asInt()).isEqualTo(3);
    assertThat(byPath.get("/missing").get("attempts").asInt()).isEqualTo(1);
    assertThat(byPath.get("/down").get("error").asText()).isEqualTo("connection refused");
    assertThat(byPath.get("/post").get("status").asInt()).isEqualTo(200);
    String postBody = byPath.get("/post").get("body").asText();
    assertThat(Files.readString(Path.of(postBody))).isEqualTo("POST /post");
    assertThat(Files.readAllLines(dead)).hasSize(3);

    // resume: nothing that finished is fetched again
    hits.clear();
    Cli again =
        Cli.run(
            "",
            "fetch",
            "--state",
            dir.resolve("s.db").toString(),
            "--resume-failed",
            "--backoff",
            "fixed:1ms",
            "--http1",
            "-o",
            dir.resolve("again.jsonl").toString(),
            urls.toString());
    assertThat(again.exit).isEqualTo(3);
    assertThat(hits.keySet()).containsExactlyInAnyOrder("/broken", "/missing");
  }

  @Test
  void aDeadHostTripsItsBreaker() throws IOException {
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < 60; i++) {
      in.append("http://127.0.0.1:").append(deadPort).append("/").append(i).append('\n');
    }
    Cli c =
        Cli.run(
            in.toString(),
            "fetch",
            "--no-state",
            "-j",
            "1",
            "--retries",
            "1",
            "--breaker-window",
            "10");
    assertThat(c.exit).isEqualTo(60);
    long refused = c.out().lines().filter(l -> l.contains("circuit open for 127.0.0.1")).count();
    assertThat(refused).isEqualTo(55); // 5 failures of the first 10 open it; the rest fail fast
  }

  @Test
  void aBadUrlIsReportedNotFatal() {
    Cli c = Cli.run("not a url\n" + base + "/ok\n", "fetch", "--no-state");
    assertThat(c.exit).isEqualTo(1);
    assertThat(c.out()).contains("not an http(s) URL: 'not a url'").contains("\"status\":200");
  }

  @Test
  void anInterruptCancelsTheRequestsInFlightAndReturnsOnceTheyEnded() throws Exception {
    Path out = dir.resolve("out.jsonl");
    String in = base + "/hang/1\n" + base + "/hang/2\n" + base + "/never\n";
    AtomicReference<Cli> result = new AtomicReference<>();
    Thread caller =
        Thread.ofPlatform()
            .name("test-weft-fetch")
            .start(() ->
                result.set(
                    Cli.run(
                        in, "fetch", "--no-state", "-j", "2", "--http1", "-o", out.toString())));
    hanging.await(); // both requests reached the server, which holds them
    caller.interrupt();
    caller.join();
    Cli c = result.get();
    assertThat(c.exit).as(c.err()).isEqualTo(255);
    assertThat(c.err()).contains("weft: interrupted; finished URLs are recorded");
    assertThat(Files.readAllLines(out))
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).contains("\"error\":\"interrupted\""));
    assertThat(hits).doesNotContainKey("/never"); // -j 2: it never started
  }
}
