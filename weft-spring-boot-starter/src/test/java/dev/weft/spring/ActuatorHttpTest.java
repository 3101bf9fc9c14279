package dev.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.policy.CircuitBreaker;
import dev.weft.spring.app.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The health indicators and the weft endpoint over a real HTTP server on loopback. */
class ActuatorHttpTest {

  @TempDir Path dir;

  @Test
  void theEndpointReadsAndWritesOverHttpAndBadActionsAre400() throws Exception {
    try (ConfigurableApplicationContext ctx =
            new SpringApplicationBuilder(TestApp.class)
                .web(WebApplicationType.SERVLET)
                .properties(
                    "server.address=127.0.0.1",
                    "server.port=0",
                    "management.endpoints.web.exposure.include=health,weft",
                    "management.endpoint.health.show-details=always",
                    "weft.jobs.url=" + dir.resolve("jobs.db"),
                    "spring.autoconfigure.exclude="
                        + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                    "weft.retry.payments.max-attempts=2",
                    "weft.circuit-breaker.payments.failure-rate=0.5",
                    "spring.main.banner-mode=off")
                .run();
        HttpClient http = HttpClient.newHttpClient()) {
      int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
      String base = "http://127.0.0.1:" + port + "/actuator";
      HttpResponse<String> weft = get(http, base + "/weft");
      assertThat(weft.statusCode()).isEqualTo(200);
      assertThat(weft.body()).contains("\"circuitBreakers\"").contains("\"payments\"");

      HttpResponse<String> open = post(http, base + "/weft/circuit-breaker/payments", "open");
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(open.body()).contains("FORCED_OPEN");
      assertThat(ctx.getBean(WeftPolicies.class).circuitBreaker("payments").state())
          .isEqualTo(CircuitBreaker.State.FORCED_OPEN);
      HttpResponse<String> health = get(http, base + "/health");
      assertThat(health.body())
          .contains("\"weftCircuitBreakers\":{")
          .contains("\"status\":\"CIRCUIT_OPEN\"");

      assertThat(post(http, base + "/weft/circuit-breaker/payments", "close").body())
          .contains("CLOSED");
      assertThat(post(http, base + "/weft/queue/mail", "sleep").statusCode()).isEqualTo(400);
      assertThat(post(http, base + "/weft/circuit-breaker/nope", "open").statusCode())
          .isEqualTo(400);
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient http, String url, String action)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"" + action + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
