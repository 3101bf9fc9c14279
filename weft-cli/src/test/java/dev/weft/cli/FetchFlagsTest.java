package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every flag of {@code weft fetch}'s parity with the bulk fetchers users know, each against a real
 * loopback server. Bounds are checked by what the server saw and what each URL's line says, not by
 * how long anything took.
 */
class FetchFlagsTest {

  @TempDir Path dir;
  private final CountDownLatch release = new CountDownLatch(1); // frees /hang and /slow at the end
  private final List<String> conditionals = new CopyOnWriteArrayList<>();
  private LoopbackHttp server;
  private String base;

  @BeforeEach
  void start() throws IOException {
    server = new LoopbackHttp(this::answer);
    base = server.base();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.close();
  }

  private void answer(HttpExchange ex, int hit) throws IOException {
    String path = ex.getRequestURI().getPath();
    String[] parts = path.split("/");
    String kind = parts.length > 1 ? parts[1] : "";
    switch (kind) {
      case "fail" -> LoopbackHttp.reply(ex, 500, "");
      case "hang" -> {
        await();
        LoopbackHttp.reply(ex, 200, "late");
      }
      case "slow" -> {
        ex.sendResponseHeaders(200, 100_000);
        OutputStream os = ex.getResponseBody();
        os.write(new byte[10]);
        os.flush();
        await(); // then nothing: a stalled transfer
      }
      case "redirect" -> {
        int n = Integer.parseInt(parts[2]);
        if (n == 0) {
          LoopbackHttp.reply(ex, 200, "arrived");
        } else {
          ex.getResponseHeaders().add("Location", "/redirect/" + (n - 1));
          LoopbackHttp.reply(ex, 302, "");
        }
      }
      case "etag" -> {
        String asked = ex.getRequestHeaders().getFirst("If-None-Match");
        conditionals.add("If-None-Match: " + asked);
        ex.getResponseHeaders().add("ETag", "\"v1\"");
        LoopbackHttp.reply(ex, "\"v1\"".equals(asked) ? 304 : 200, "etag body");
      }
      case "modified" -> {
        String asked = ex.getRequestHeaders().getFirst("If-Modified-Since");
        conditionals.add("If-Modified-Since: " + asked);
        ex.getResponseHeaders().add("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT");
        LoopbackHttp.reply(ex, asked != null ? 304 : 200, "modified body");
      }
      case "echo" -> {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        LoopbackHttp.reply(
            ex,
            200,
            ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("X-Test") + " " + body);
      }
      default -> LoopbackHttp.reply(ex, 200, "ok " + path);
    }
  }

  private void await() {
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void maxErrorsPerHostSkipsTheHostAndListsItInTheSummary() {
    Cli c =
        fetch(
            lines("/fail/", 10),
            "-j",
            "1",
            "--retries",
            "1",
            "--breaker-window",
            "100",
            "--max-errors-per-host",
            "3");
    assertThat(c.exit).isEqualTo(10);
    assertThat(server.requests.get()).as("requests the host got").isEqualTo(3);
    String host = base.substring("http://".length());
    assertThat(
            c.jsonLines().stream()
                .filter(n -> n.get("error").asText().startsWith("skipped: " + host)))
        .hasSize(7);
    assertThat(c.err())
        .contains(
            "weft: skipped " + host + " after 3 failed requests (--max-errors-per-host): 7 URL(s)");
  }

  @Test
  void aTransferSlowerThanMinSpeedFailsAsStalled() {
    Cli c =
        fetch(
            base + "/slow\n",
            "--retries",
            "1",
            "--timeout",
            "1h",
            "--min-speed",
            "1k",
            "--min-speed-time",
            "200ms");
    assertThat(c.exit).as(c.err()).isEqualTo(1);
    JsonNode r = c.jsonLines().getFirst();
    assertThat(r.get("error").asText())
        .isEqualTo("stalled: under 1024 bytes/s for 200ms (--min-speed)");
    assertThat(r.get("status").isNull()).isTrue();
  }

  @Test
  void maxTimeBoundsAUrlWithItsRetries() {
    Cli c = fetch(base + "/hang/1\n", "--retries", "5", "--timeout", "1h", "--max-time", "300ms");
    assertThat(c.exit).as(c.err()).isEqualTo(1);
    JsonNode r = c.jsonLines().getFirst();
    assertThat(r.get("error").asText()).isEqualTo("--max-time 300ms passed");
    assertThat(r.get("attempts").asInt()).as("no try after the time is up").isEqualTo(1);
    assertThat(server.hits("/hang/1"))
        .as("at most the one try (it may not have arrived)")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void deadlineStopsReadingAnInputThatNeverEnds() {
    // lines /hang/1, /hang/2, ... without end; reading 1 MiB of them would mean the run read on
    // past its deadline (it did: it counted every line of the input as not started)
    InputStream endless =
        new InputStream() {
          private byte[] line = new byte[0];
          private int at;
          private long n;
          private long given;

          @Override
          public int read() throws IOException {
            if (++given > 1 << 20) {
              throw new IOException("read 1 MiB of an endless input after the deadline");
            }
            if (at == line.length) {
              line = (base + "/hang/" + ++n + "\n").getBytes(StandardCharsets.UTF_8);
              at = 0;
            }
            return line[at++];
          }
        };
    Cli c =
        Cli.run(
            endless,
            "fetch",
            "--no-state",
            "--http1",
            "-j",
            "2",
            "--timeout",
            "1h",
            "--deadline",
            "1s");
    assertThat(c.exit).as(c.err()).isEqualTo(4);
    assertThat(c.jsonLines())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.get("error").asText()).isEqualTo("--deadline 1.0s passed"));
    assertThat(c.err())
        .doesNotContain("reading input")
        .contains("weft: --deadline 1s passed: 2 URL(s) not started, input after line 4 not read");
  }

  @Test
  void deadlineEndsTheRunAndResumeFetchesWhatItLeft() {
    String state = dir.resolve("s.db").toString();
    String in = base + "/hang/1\n" + base + "/ok/2\n" + base + "/ok/3\n";
    Cli c =
        Cli.run(
            in,
            "fetch",
            "--state",
            state,
            "--http1",
            "-j",
            "1",
            "--timeout",
            "1h",
            "--deadline",
            "1s");
    assertThat(c.exit).as(c.err()).isEqualTo(3);
    assertThat(c.jsonLines().getFirst().get("error").asText()).isEqualTo("--deadline 1.0s passed");
    assertThat(c.jsonLines()).hasSize(1);
    assertThat(c.err())
        .contains("weft: --deadline 1s passed: 2 URL(s) not started, input after line 3 not read");
    assertThat(server.hits("/ok/2") + server.hits("/ok/3")).isZero();

    Cli again = Cli.run(in, "fetch", "--state", state, "--http1", "--resume");
    assertThat(again.exit).as(again.err()).isZero();
    assertThat(again.jsonLines())
        .extracting(n -> n.get("url").asText())
        .containsExactlyInAnyOrder(base + "/ok/2", base + "/ok/3");
    assertThat(server.hits("/hang/1"))
        .as("finished (failed): not fetched again")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void delayRandomWaitsAtLeastItsLowerBoundBeforeEachRequest() {
    Cli c = fetch(lines("/ok/", 3), "-j", "3", "--delay-random", "150ms..200ms");
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(c.jsonLines())
        .hasSize(3)
        .allSatisfy(n -> assertThat(n.get("duration_ms").asLong()).isGreaterThanOrEqualTo(150));
  }

  @Test
  void perHourAndPerMinuteRatesHoldTheSecondRequestBack() {
    for (String[] rate :
        List.of(new String[] {"--rate", "1/h"}, new String[] {"--per-host-rate", "1/m"})) {
      server.requests.set(0);
      Cli c = fetch(lines("/ok/" + rate[0], 2), "-j", "2", rate[0], rate[1], "--max-time", "5s");
      assertThat(c.exit).as("%s %s: %s", rate[0], rate[1], c.err()).isEqualTo(1);
      assertThat(server.requests.get()).as("%s %s", rate[0], rate[1]).isEqualTo(1);
      assertThat(c.jsonLines())
          .extracting(n -> n.get("error").asText())
          .containsExactlyInAnyOrder("null", "--max-time 5.0s passed");
    }
  }

  @Test
  void csvOutputHasAHeaderAndQuotesItsFields() throws IOException {
    Path out = dir.resolve("out.csv");
    Cli c =
        fetch(
            base + "/ok/a\n" + base + "/fail/b\n",
            "--retries",
            "1",
            "--format",
            "csv",
            "-o",
            out.toString());
    assertThat(c.exit).as(c.err()).isEqualTo(1);
    List<String> rows = Files.readAllLines(out);
    assertThat(rows.getFirst()).isEqualTo("url,status,bytes,duration_ms,attempts,error,body");
    assertThat(rows).hasSize(3);
    assertThat(rows)
        .anySatisfy(r -> assertThat(r).startsWith(base + "/ok/a,200,8,").endsWith(",1,,"));
    assertThat(rows)
        .anySatisfy(
            r -> assertThat(r).startsWith(base + "/fail/b,500,0,").endsWith(",1,HTTP 500,"));
    Cli comma = fetch("{\"url\": \"" + base + "/x\", \"retries\": 0}\n", "--format", "csv");
    assertThat(comma.out().lines().skip(1).findFirst().orElseThrow())
        .as("an error with a comma is quoted")
        .contains(",\"input line 1: \"\"retries\"\" must be >= 1, was 0\",");
  }

  @Test
  void jsonLinesCarryMethodHeadersBodyAndPerRequestOptions() throws IOException {
    Path bodies = dir.resolve("bodies");
    String in =
        String.join(
                "\n",
                "{\"url\": \""
                    + base
                    + "/echo\", \"method\": \"PUT\", \"headers\": {\"X-Test\": \"yes\"}, \"body\": \"hello\"}",
                "{\"url\": \"" + base + "/fail/few\", \"retries\": 2}",
                base + "/fail/many",
                "{\"url\": \"" + base + "/hang/max\", \"max_time\": \"200ms\"}",
                "{\"url\": \"" + base + "/hang/timeout\", \"timeout\": \"200ms\", \"retries\": 1}")
            + "\n";
    Cli c =
        fetch(
            in,
            "--retries",
            "4",
            "--backoff",
            "fixed:1ms",
            "--timeout",
            "1h",
            "--bodies",
            bodies.toString());
    assertThat(c.exit).as(c.err()).isEqualTo(4);
    Map<String, JsonNode> by = byPath(c);
    assertThat(Files.readString(Path.of(by.get("/echo").get("body").asText())))
        .isEqualTo("PUT yes hello");
    assertThat(by.get("/fail/few").get("attempts").asInt()).isEqualTo(2);
    assertThat(by.get("/fail/many").get("attempts").asInt()).isEqualTo(4);
    assertThat(by.get("/hang/max").get("error").asText()).isEqualTo("--max-time 200ms passed");
    assertThat(by.get("/hang/timeout").get("error").asText()).isEqualTo("timed out after 200ms");
  }

  @Test
  void refetchingIntoAFolderAsksConditionallyAndKeepsTheBodyOn304() throws IOException {
    Path bodies = dir.resolve("bodies");
    String in = base + "/etag\n" + base + "/modified\n";
    Cli first = fetch(in, "--bodies", bodies.toString());
    assertThat(first.exit).as(first.err()).isZero();
    assertThat(byPath(first).get("/etag").get("status").asInt()).isEqualTo(200);
    Cli second = fetch(in, "--bodies", bodies.toString());
    assertThat(second.exit).as(second.err()).isZero();
    Map<String, JsonNode> by = byPath(second);
    assertThat(by.get("/etag").get("status").asInt()).isEqualTo(304);
    assertThat(by.get("/modified").get("status").asInt()).isEqualTo(304);
    assertThat(Files.readString(Path.of(by.get("/etag").get("body").asText())))
        .isEqualTo("etag body");
    assertThat(Files.readString(Path.of(by.get("/modified").get("body").asText())))
        .isEqualTo("modified body");
    assertThat(conditionals)
        .containsExactlyInAnyOrder(
            "If-None-Match: null",
            "If-Modified-Since: null",
            "If-None-Match: \"v1\"",
            "If-Modified-Since: Mon, 07 Dec 2026 10:00:00 GMT");
  }

  @Test
  void redirectsAreFollowedUpToMaxRedirects() {
    Cli within = fetch(base + "/redirect/3\n", "--max-redirects", "3");
    assertThat(within.exit).as(within.err()).isZero();
    assertThat(within.jsonLines().getFirst().get("bytes").asInt()).isEqualTo("arrived".length());
    server.requests.set(0);
    Cli over = fetch(base + "/redirect/3\n", "--max-redirects", "2", "--retries", "3");
    assertThat(over.exit).isEqualTo(1);
    JsonNode r = over.jsonLines().getFirst();
    assertThat(r.get("error").asText()).isEqualTo("more than 2 redirects (--max-redirects)");
    assertThat(r.get("attempts").asInt()).as("not retried").isEqualTo(1);
    assertThat(server.requests.get()).isEqualTo(3);
  }

  @Test
  void aTlsFailureIsOneClearResultAndNotRetried() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket plain = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          Thread.ofVirtual()
              .name("test-plain-http")
              .start(() -> {
                while (!plain.isClosed()) {
                  try (Socket s = plain.accept()) {
                    connections.incrementAndGet();
                    // plain HTTP where the client expects a TLS ServerHello
                    s.getOutputStream()
                        .write(
                            "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                  } catch (IOException e) {
                    return; // closed: the test is over
                  }
                }
              });
      String https = "https://127.0.0.1:" + plain.getLocalPort() + "/tls";
      Cli c = fetch(https + "\n", "--retries", "3");
      plain.close();
      acceptor.join();
      assertThat(c.exit).as(c.out()).isEqualTo(1);
      JsonNode r = c.jsonLines().getFirst();
      assertThat(r.get("error").asText()).startsWith("TLS error: ");
      assertThat(r.get("attempts").asInt()).isEqualTo(1);
      // weft's 3 tries would connect at least 3 times; the JDK's client may reconnect once itself
      assertThat(connections.get()).as("not retried").isBetween(1, 2);
      assertThat(c.err()).doesNotContain("Exception");
    }
  }

  private Cli fetch(String in, String... args) {
    List<String> a = new ArrayList<>(List.of("fetch", "--no-state", "--http1"));
    a.addAll(List.of(args));
    return Cli.run(in, a.toArray(String[]::new));
  }

  private String lines(String prefix, int n) {
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < n; i++) {
      in.append(base).append(prefix).append(i).append('\n');
    }
    return in.toString();
  }

  private Map<String, JsonNode> byPath(Cli c) {
    Map<String, JsonNode> by = new HashMap<>();
    c.jsonLines().forEach(n -> by.put(n.get("url").asText().substring(base.length()), n));
    return by;
  }
}
