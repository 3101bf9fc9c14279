package dev.weft.cli;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Writes CSV lines as RFC 4180 quotes them; a null value is an empty field. Stateless. */
final class Csv {

  private Csv() {}

  /** {@return the header line of {@code columns}} */
  static String header(List<String> columns) {
    return columns.stream().map(Csv::field).collect(Collectors.joining(","));
  }

  /** {@return one line: the value of each column of {@code columns} in {@code row}} */
  static String line(List<String> columns, Map<String, @Nullable Object> row) {
    return columns.stream()
        .map(c -> {
          Object v = row.get(c);
          return v == null ? "" : field(v.toString());
        })
        .collect(Collectors.joining(","));
  }

  private static String field(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }
}
