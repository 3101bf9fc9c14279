package dev.weft.opentelemetry;

import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One finished span as a line of text, so a child JVM can hand its spans to the test and the test
 * can print a whole trace: {@code process trace span parent kind name start links attributes}, tab
 * separated; links are {@code trace:span} joined by commas, attributes {@code key=value} joined by
 * commas ({@code -} for none).
 */
record SpanLine(
    String process,
    String traceId,
    String spanId,
    String parentSpanId,
    String kind,
    String name,
    long startNanos,
    List<String> links,
    Map<String, String> attributes) {

  static SpanLine of(String process, SpanData s) {
    Map<String, String> attrs = new TreeMap<>();
    s.getAttributes().forEach((k, v) -> attrs.put(k.getKey(), String.valueOf(v)));
    List<String> links = new ArrayList<>();
    for (LinkData l : s.getLinks()) {
      links.add(l.getSpanContext().getTraceId() + ":" + l.getSpanContext().getSpanId());
    }
    return new SpanLine(
        process,
        s.getTraceId(),
        s.getSpanId(),
        s.getParentSpanId(),
        s.getKind().name(),
        s.getName(),
        s.getStartEpochNanos(),
        links,
        attrs);
  }

  String line() {
    return String.join(
        "\t",
        process,
        traceId,
        spanId,
        parentSpanId,
        kind,
        name,
        Long.toString(startNanos),
        links.isEmpty() ? "-" : String.join(",", links),
        attributes.isEmpty()
            ? "-"
            : attributes.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().replace('\t', ' ').replace(',', ';'))
                .collect(Collectors.joining(",")));
  }

  static SpanLine parse(String line) {
    String[] f = line.split("\t", -1);
    if (f.length != 9) {
      throw new IllegalArgumentException("not a span line: " + line);
    }
    Map<String, String> attrs = new TreeMap<>();
    if (!f[8].equals("-")) {
      for (String kv : f[8].split(",")) {
        int eq = kv.indexOf('=');
        attrs.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return new SpanLine(
        f[0],
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        Long.parseLong(f[6]),
        f[7].equals("-") ? List.of() : List.of(f[7].split(",")),
        attrs);
  }

  /** {@return the spans as an indented tree, children under parents, by start time} */
  static String tree(List<SpanLine> spans) {
    StringBuilder out = new StringBuilder();
    List<SpanLine> sorted =
        spans.stream().sorted(Comparator.comparingLong(SpanLine::startNanos)).toList();
    for (SpanLine root : sorted) {
      boolean hasParent = sorted.stream().anyMatch(p -> p.spanId.equals(root.parentSpanId));
      if (!hasParent) {
        append(out, root, sorted, 0);
      }
    }
    return out.toString();
  }

  private static void append(StringBuilder out, SpanLine s, List<SpanLine> all, int depth) {
    out.append("  ".repeat(depth))
        .append(s.name)
        .append("  [")
        .append(s.kind)
        .append(", ")
        .append(s.process)
        .append("] trace=")
        .append(s.traceId)
        .append(" span=")
        .append(s.spanId)
        .append(" parent=")
        .append(s.parentSpanId);
    if (!s.links.isEmpty()) {
      out.append(" links=").append(s.links);
    }
    out.append('\n').append("  ".repeat(depth + 2)).append(s.attributes).append('\n');
    for (SpanLine c : all) {
      if (c.parentSpanId.equals(s.spanId)) {
        append(out, c, all, depth + 1);
      }
    }
  }
}
