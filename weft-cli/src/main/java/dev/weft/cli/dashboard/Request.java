package dev.weft.cli.dashboard;

import com.sun.net.httpserver.HttpExchange;
import dev.weft.jobs.JobState;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request's method, path and parameters (the query, and for a POST the form body too), with
 * parsers that turn a malformed value into a {@link PageError} naming the parameter and the value.
 * Not thread-safe: one instance per request.
 */
final class Request {

  /** The largest form body read; a larger one is refused. */
  static final int MAX_BODY = 64 * 1024;

  final String method;
  final String path;
  final Map<String, String> params;
  final boolean api;

  private Request(String method, String path, Map<String, String> params) {
    this.method = method;
    this.path = path;
    this.params = params;
    this.api = path.startsWith("/api/") || path.equals("/api");
  }

  static Request of(HttpExchange ex) throws IOException {
    Map<String, String> params = new LinkedHashMap<>();
    parse(ex.getRequestURI().getRawQuery(), params);
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    if (method.equals("POST")) {
      try (InputStream in = ex.getRequestBody()) {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
          throw new PageError(413, "the form is larger than " + MAX_BODY + " bytes");
        }
        parse(new String(body, StandardCharsets.UTF_8), params);
      }
    }
    return new Request(method, ex.getRequestURI().getPath(), params);
  }

  private static void parse(@Nullable String raw, Map<String, String> into) {
    if (raw == null || raw.isEmpty()) {
      return;
    }
    for (String pair : split(raw, '&')) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        into.putIfAbsent(k, v);
      } catch (IllegalArgumentException e) {
        throw PageError.badRequest("malformed parameter '" + pair + "': " + e.getMessage());
      }
    }
  }

  /** {@return the parts of {@code s} between the {@code sep} characters, empty ones kept} */
  static java.util.List<String> split(String s, char sep) {
    java.util.List<String> out = new java.util.ArrayList<>();
    int from = 0;
    for (int i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, from)) {
      out.add(s.substring(from, i));
      from = i + 1;
    }
    out.add(s.substring(from));
    return out;
  }

  /** {@return the parameter, or null if absent or blank} */
  @Nullable String get(String name) {
    String v = params.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  /** {@return the parameter, or a 400 naming it when absent} */
  String required(String name) {
    String v = get(name);
    if (v == null) {
      throw PageError.badRequest("missing parameter '" + name + "'");
    }
    return v;
  }

  /** {@return the parameter as a positive whole number, or null if absent} */
  @Nullable Long id(String name) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    return parseId(name, v);
  }

  static long parseId(String name, String v) {
    try {
      long n = Long.parseLong(v);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw PageError.badRequest(name + " must be a positive whole number, was '" + v + "'");
  }

  /** {@return the parameter as a whole number from {@code min} to {@code max}, or the default} */
  int intIn(String name, int min, int max, int dflt) {
    String v = get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw PageError.badRequest(
        name + " must be a whole number from " + min + " to " + max + ", was '" + v + "'");
  }

  /** {@return the parameter as a positive number, or null if absent} */
  @Nullable Double positive(String name) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(v);
      if (d > 0 && Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw PageError.badRequest(name + " must be a positive number, was '" + v + "'");
  }

  /** {@return the parameter as a job state, or null if absent or "any"} */
  @Nullable JobState state(String name) {
    String v = get(name);
    if (v == null || v.equals("any")) {
      return null;
    }
    try {
      return JobState.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder all = new StringBuilder();
      for (JobState s : JobState.values()) {
        all.append(all.isEmpty() ? "" : ", ").append(Html.lower(s));
      }
      throw PageError.badRequest("unknown state '" + v + "' (one of: any, " + all + ")");
    }
  }
}
