package dev.weft.jobs.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.jobs.JobError;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The one Jackson mapper of weft-jobs, and the JSON forms of the lists a job row keeps. */
public final class Json {

  /** Thread-safe once configured, as Jackson documents. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /**
   * {@return {@code value} as JSON text}
   *
   * @throws IllegalArgumentException if Jackson cannot write it
   */
  public static String write(@Nullable Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "payload of type "
              + (value == null ? "null" : value.getClass().getName())
              + " cannot be written as JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  static String longs(List<Long> values) {
    return write(values);
  }

  static List<Long> readLongs(@Nullable String json) {
    return json == null ? List.of() : read(json, new TypeReference<List<Long>>() {});
  }

  static String strings(List<String> values) {
    return write(values);
  }

  static List<String> readStrings(@Nullable String json) {
    return json == null ? List.of() : read(json, new TypeReference<List<String>>() {});
  }

  static String headers(Map<String, String> headers) {
    return write(headers);
  }

  static Map<String, String> readHeaders(@Nullable String json) {
    return json == null ? Map.of() : read(json, new TypeReference<Map<String, String>>() {});
  }

  static String errors(List<JobError> errors) {
    List<Map<String, Object>> out = new ArrayList<>(errors.size());
    for (JobError e : errors) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at", e.at().toString());
      m.put("attempt", e.attempt());
      m.put("type", e.type());
      m.put("message", e.message());
      m.put("trace", e.trace());
      if (e.took() != null) {
        m.put("tookMillis", e.took().toMillis());
      }
      out.add(m);
    }
    return write(out);
  }

  static List<JobError> readErrors(@Nullable String json) {
    if (json == null) {
      return List.of();
    }
    List<Map<String, Object>> raw = read(json, new TypeReference<List<Map<String, Object>>>() {});
    List<JobError> out = new ArrayList<>(raw.size());
    for (Map<String, Object> m : raw) {
      out.add(
          new JobError(
              Instant.parse(String.valueOf(m.get("at"))),
              ((Number) m.getOrDefault("attempt", 0)).intValue(),
              String.valueOf(m.getOrDefault("type", "")),
              String.valueOf(m.getOrDefault("message", "")),
              String.valueOf(m.getOrDefault("trace", "")),
              m.get("tookMillis") instanceof Number n ? Duration.ofMillis(n.longValue()) : null));
    }
    return out;
  }

  private static <T> T read(String json, TypeReference<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON cannot be read: " + e.getOriginalMessage(), e);
    }
  }
}
