package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft fetch} against a loopback server, written on a raw {@link ServerSocket}, whose URLs
 * misbehave at the TCP level: {@code /reset} answers with a RST, {@code /stall} sends its headers
 * and part of its body and then nothing (the connection stays open), {@code /truncated} sends part
 * of a chunked body and closes without the last chunk. Every URL ends with exactly one result line,
 * none takes longer than its tries can (a hang guard, not a timing check), and the exit code is the
 * number of failed URLs, as documented.
 */
class FetchFaultTest {

  private static final int TRIES = 2;
  private static final long TIMEOUT_MS = 1000;
  private static final long BACKOFF_MS = 50;

  @TempDir Path dir;
  private ServerSocket server;
  private final CountDownLatch end = new CountDownLatch(1);
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private Thread acceptor;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    acceptor =
        Thread.ofVirtual()
            .name("test-broken-http")
            .start(() -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  held.add(s);
                  Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                  return; // closed
                }
              }
            });
  }

  @AfterEach
  void stop() throws Exception {
    end.countDown();
    server.close();
    for (Socket s : held) {
      s.close();
    }
    acceptor.join();
  }

  private void serve(Socket s) {
    try (s) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      String requestLine = in.readLine();
      for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
        // headers: ignored
      }
      if (requestLine == null) {
        return;
      }
      String path = requestLine.split(" ")[1];
      OutputStream out = s.getOutputStream();
      if (path.startsWith("/reset")) {
        s.setSoLinger(true, 0); // close() now sends RST instead of FIN
        return;
      }
      if (path.startsWith("/stall")) {
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100)));
        out.flush();
        end.await(); // the rest of the body never comes, until the test ends
        return;
      }
      if (path.startsWith("/truncated")) {
        out.write(
            ascii(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "a\r\n0123456789\r\n64\r\n0123456789"));
        out.flush();
        return; // FIN in the middle of a chunk, no last chunk
      }
      out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
      out.flush();
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyBrokenUrlEndsWithOneResultLineWithinItsTimeout() throws IOException {
    String base = "http://127.0.0.1:" + server.getLocalPort();
    List<String> urls = new ArrayList<>();
    Map<String, String> kinds = new HashMap<>();
    for (String kind : List.of("ok", "reset", "stall", "truncated")) {
      for (int i = 0; i < 3; i++) {
        String path = "/" + kind + "/" + i;
        urls.add(base + path);
        kinds.put(path, kind);
      }
    }
    Path in = Files.write(dir.resolve("urls"), urls);
    Path out = dir.resolve("out.jsonl");
    Cli c =
        Cli.run(
            "",
            "fetch",
            "--no-state",
            "-j",
            "16",
            "--retries",
            Integer.toString(TRIES),
            "--backoff",
            "fixed:" + BACKOFF_MS + "ms",
            "--timeout",
            TIMEOUT_MS + "ms",
            "--connect-timeout",
            TIMEOUT_MS + "ms",
            "--breaker-window", // 9 of 12 calls to the one host fail: its breaker must not judge
            "1000",
            "-o",
            out.toString(),
            in.toString());
    ObjectMapper json = new ObjectMapper();
    Map<String, List<JsonNode>> byPath = new HashMap<>();
    for (String line : Files.readAllLines(out)) {
      JsonNode n = json.readTree(line);
      byPath
          .computeIfAbsent(n.get("url").asText().replace(base, ""), k -> new ArrayList<>())
          .add(n);
    }
    String report = Files.readString(out) + c.err();
    assertThat(byPath.keySet()).as(report).isEqualTo(kinds.keySet());
    // the longest a URL may take: every try times out, with the backoff between tries, plus
    // scheduling slack; beyond it the request hung past its timeout
    long bound = TRIES * TIMEOUT_MS + (TRIES - 1) * BACKOFF_MS + 5000;
    for (Map.Entry<String, List<JsonNode>> e : byPath.entrySet()) {
      assertThat(e.getValue()).as("result lines of %s", e.getKey()).hasSize(1);
      JsonNode n = e.getValue().getFirst();
      assertThat(n.get("duration_ms").asLong()).as(report).isLessThan(bound);
      if (kinds.get(e.getKey()).equals("ok")) {
        assertThat(n.get("status").asInt()).as(report).isEqualTo(200);
        assertThat(n.get("error").isNull()).as(report).isTrue();
      } else {
        assertThat(n.get("error").isNull()).as("%s: %s", e.getKey(), report).isFalse();
        assertThat(n.get("attempts").asInt()).as(report).isEqualTo(TRIES);
      }
    }
    assertThat(byPath.get("/stall/0").getFirst().get("error").asText())
        .as(report)
        .startsWith("timed out after 1");
    assertThat(c.exit).as(report).isEqualTo(9); // 1-100: the number of failed URLs
  }
}
