package dev.weft.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes one JSON object per line with Jackson's streaming generator (the command's only JSON
 * output: {@code --results}, {@code weft fetch}). Values may be strings, numbers, booleans, null or
 * lists of strings. Thread-safe (the factory is).
 */
final class Json {

  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  private Json() {}

  /** {@return {@code fields} as one line of JSON, in their iteration order} */
  static String line(Map<String, ? extends @Nullable Object> fields) {
    StringWriter w = new StringWriter(128);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      for (Map.Entry<String, ? extends @Nullable Object> e : fields.entrySet()) {
        g.writeFieldName(e.getKey());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static void write(JsonGenerator g, @Nullable Object v) throws IOException {
    switch (v) {
      case null -> g.writeNull();
      case String s -> g.writeString(s);
      case Integer i -> g.writeNumber(i);
      case Long l -> g.writeNumber(l);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      case List<?> list -> {
        g.writeStartArray();
        for (Object o : list) {
          write(g, o);
        }
        g.writeEndArray();
      }
      case Map<?, ?> map -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          g.writeFieldName(String.valueOf(e.getKey()));
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      default -> g.writeString(v.toString());
    }
  }
}
