package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How {@code weft fetch}'s retries meet a host's circuit breaker, against a real loopback server: a
 * retry that meets an open breaker waits for it to half-open instead of being spent, and a host
 * that stays down is still refused fast. Counted in requests and attempts, never in time.
 */
class FetchBreakerTest {

  private static final int ROUNDS = 3;

  @Test
  void aHostWhoseEveryUrlFailsOnceEndsWithEveryUrlFetched() throws IOException {
    for (int round = 0; round < ROUNDS; round++) {
      int urls = 30; // more than --per-host: some URLs start while the breaker is open
      try (LoopbackHttp server =
          new LoopbackHttp((ex, hit) -> LoopbackHttp.reply(ex, hit == 1 ? 500 : 200, "ok"))) {
        Cli c =
            Cli.run(
                input(server.base() + "/once/", urls),
                "fetch",
                "--no-state",
                "--http1",
                "-j",
                "12",
                "--per-host",
                "8",
                "--retries",
                "3",
                "--backoff",
                "fixed:5ms",
                "--breaker-open",
                "300ms");
        assertThat(c.exit).as("round %d: %s%s", round, c.out(), c.err()).isZero();
        List<JsonNode> lines = c.jsonLines();
        assertThat(lines)
            .hasSize(urls)
            .allSatisfy(n -> assertThat(n.get("status").asInt()).isEqualTo(200));
        assertThat(c.err()).as("the breaker did open").contains("circuit breakers opened");
        for (int i = 0; i < urls; i++) {
          assertThat(server.hits("/once/" + i))
              .as("/once/%d: one failure, one success", i)
              .isEqualTo(2);
        }
      }
    }
  }

  @Test
  void aHostThatIsDownIsStillRefusedFast() throws IOException {
    for (int round = 0; round < ROUNDS; round++) {
      int urls = 40;
      try (LoopbackHttp server = new LoopbackHttp((ex, hit) -> LoopbackHttp.reply(ex, 500, ""))) {
        Cli c =
            Cli.run(
                input(server.base() + "/down/", urls),
                "fetch",
                "--no-state",
                "--http1",
                "-j",
                "16",
                "--retries",
                "3",
                "--backoff",
                "fixed:5ms",
                "--breaker-open",
                "200ms");
        assertThat(c.exit).as(c.err()).isEqualTo(urls);
        List<JsonNode> lines = c.jsonLines();
        long refused =
            lines.stream().filter(n -> n.get("error").asText().startsWith("circuit open")).count();
        // without the breaker: 3 tries of 40 URLs, 120 requests. With it: the requests made before
        // 10 failures opened it (at most 9 + 16 in flight), one probe per open period, no more
        assertThat(server.requests.get()).as("round %d", round).isBetween(10, urls - 10);
        assertThat(refused).as("round %d", round).isGreaterThanOrEqualTo(urls / 2);
        assertThat(c.err()).contains("circuit breakers opened 1 time(s)");
      }
    }
  }

  @Test
  void aHostNobodyListensOnIsRefusedWithoutWaitingForAProbe() throws IOException {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // closed again: connections to it are refused
    }
    int urls = 200;
    Cli c =
        Cli.run(
            input("http://127.0.0.1:" + deadPort + "/", urls),
            "fetch",
            "--no-state",
            "--retries",
            "3",
            "--backoff",
            "fixed:5ms"); // and the default --breaker-open 30s: a wait would hold every slot
    assertThat(c.exit).isEqualTo(101);
    List<JsonNode> lines = c.jsonLines();
    assertThat(lines).hasSize(urls);
    long refused =
        lines.stream().filter(n -> n.get("error").asText().startsWith("circuit open")).count();
    assertThat(refused).isGreaterThanOrEqualTo(urls - 64);
    assertThat(c.err())
        .contains("circuit breakers opened 1 time(s)")
        .contains(" 0 wait(s) for a probe");
  }

  @Test
  void theMinimumNumberOfCallsKeepsAFewFailuresFromOpeningTheBreaker() throws IOException {
    try (LoopbackHttp server =
        new LoopbackHttp((ex, hit) ->
            LoopbackHttp.reply(
                ex, ex.getRequestURI().getPath().startsWith("/bad") ? 500 : 200, ""))) {
      StringBuilder in = new StringBuilder();
      for (int i = 0; i < 4; i++) {
        in.append(server.base()).append("/bad/").append(i).append('\n');
      }
      for (int i = 0; i < 20; i++) {
        in.append(server.base()).append("/good/").append(i).append('\n');
      }
      String[] args = {
        "fetch", "--no-state", "--http1", "-j", "1", "--retries", "1", "--breaker-window", "20"
      };
      Cli judged = Cli.run(in.toString(), concat(args, "--breaker-min-calls", "4"));
      assertThat(judged.exit).isEqualTo(24); // 4 of 4 failed: open; the good ones are refused
      assertThat(judged.err()).contains("circuit breakers opened 1 time(s); 20 URL(s) refused");
      // 4 failures in the first 9 calls: under half, so the host is never judged
      Cli patient = Cli.run(in.toString(), concat(args, "--breaker-min-calls", "9"));
      assertThat(patient.exit).as(patient.err()).isEqualTo(4);
      assertThat(patient.err()).doesNotContain("circuit breakers opened");
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static String input(String prefix, int n) {
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < n; i++) {
      in.append(prefix).append(i).append('\n');
    }
    return in.toString();
  }
}
