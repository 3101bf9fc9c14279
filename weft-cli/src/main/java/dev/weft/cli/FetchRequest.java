package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request of {@code weft fetch}: a line of input that is either a URL or a JSON object {@code
 * {"url": ..., "method": "POST", "headers": {...}, "body": "...", "timeout": "5s", "max_time":
 * "1m", "retries": 5}}, whose last three replace {@code --timeout}, {@code --max-time} and {@code
 * --retries} for this request. Immutable.
 *
 * @param uri where
 * @param method the HTTP method
 * @param headers extra headers
 * @param body the request body, null for none
 * @param timeout this request's {@code --timeout}, or null
 * @param maxTime this request's {@code --max-time}, or null
 * @param tries this request's {@code --retries}, or null
 */
record FetchRequest(
    URI uri,
    String method,
    Map<String, String> headers,
    @Nullable String body,
    @Nullable Duration timeout,
    @Nullable Duration maxTime,
    @Nullable Integer tries) {

  /** Loaded only when a JSON request is read: plain URL lists never pay for Jackson's mapper. */
  private static final class Mapper {
    static final ObjectMapper JSON = new ObjectMapper();
  }

  /**
   * {@return {@code line} parsed}
   *
   * @param lineNumber for the message
   * @throws BadInput naming the line when it is neither an http(s) URL nor a request object
   */
  static FetchRequest parse(String line, long lineNumber) {
    String t = line.trim();
    try {
      if (t.startsWith("{")) {
        JsonNode n = Mapper.JSON.readTree(t);
        JsonNode url = n.get("url");
        if (url == null || !url.isTextual()) {
          throw new BadInput("input line " + lineNumber + ": a JSON request needs a \"url\"");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = n.get("headers");
        if (h != null) {
          h.properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
        }
        JsonNode body = n.get("body");
        JsonNode method = n.get("method");
        JsonNode retries = n.get("retries");
        if (retries != null && (!retries.canConvertToInt() || retries.asInt() < 1)) {
          throw new BadInput(
              "input line " + lineNumber + ": \"retries\" must be >= 1, was " + retries);
        }
        return new FetchRequest(
            uri(url.asText(), lineNumber),
            method == null ? (body == null ? "GET" : "POST") : method.asText(),
            Map.copyOf(headers),
            body == null ? null : body.isTextual() ? body.asText() : body.toString(),
            duration(n, "timeout", lineNumber),
            duration(n, "max_time", lineNumber),
            retries == null ? null : retries.asInt());
      }
      return new FetchRequest(uri(t, lineNumber), "GET", Map.of(), null, null, null, null);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadInput(
          "input line " + lineNumber + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static @Nullable Duration duration(JsonNode n, String field, long lineNumber) {
    JsonNode v = n.get(field);
    if (v == null) {
      return null;
    }
    Duration d = Durations.parse("input line " + lineNumber + ": \"" + field + "\"", v.asText());
    if (d.isZero()) {
      throw new BadInput("input line " + lineNumber + ": \"" + field + "\" must be > 0, was " + v);
    }
    return d;
  }

  private static URI uri(String s, long lineNumber) {
    try {
      URI u = new URI(s);
      if (u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        throw new URISyntaxException(s, "not an http(s) URL with a host");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new BadInput("input line " + lineNumber + ": not an http(s) URL: '" + s + "'", e);
    }
  }

  /** {@return the host and port, the key of per-host limits and breakers} */
  String hostKey() {
    int port = uri.getPort();
    return uri.getHost() + (port < 0 ? "" : ":" + port);
  }
}
