package dev.weft.cli.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** The dashboard's JSON: maps and lists of plain values written with Jackson. Thread-safe. */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      return ("{\"error\":\"cannot write JSON: " + e.getOriginalMessage() + "\"}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }
}
