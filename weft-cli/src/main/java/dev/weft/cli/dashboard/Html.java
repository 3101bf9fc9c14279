package dev.weft.cli.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Builds the dashboard's HTML: escaping, the page layout with its navigation, and small helpers for
 * tables, durations and forms. Every value written into a page goes through {@link #esc}. Not
 * thread-safe: one instance per page.
 */
final class Html {

  private final StringBuilder sb = new StringBuilder(8192);

  /** {@return {@code s} with the five HTML special characters escaped} */
  static String esc(@Nullable Object s) {
    if (s == null) {
      return "";
    }
    String t = s.toString();
    StringBuilder out = new StringBuilder(t.length() + 16);
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** {@return {@code s} encoded for a URL's query} */
  static String url(@Nullable Object s) {
    return s == null
        ? ""
        : java.net.URLEncoder.encode(s.toString(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Appends raw HTML. */
  Html raw(String s) {
    sb.append(s);
    return this;
  }

  /** Appends escaped text. */
  Html text(@Nullable Object s) {
    sb.append(esc(s));
    return this;
  }

  /** Appends {@code <tag>text</tag>} with the text escaped. */
  Html el(String tag, @Nullable Object text) {
    sb.append('<').append(tag).append('>').append(esc(text)).append("</").append(tag).append('>');
    return this;
  }

  /** Appends a link. */
  Html link(String href, @Nullable Object text) {
    sb.append("<a href=\"").append(esc(href)).append("\">").append(esc(text)).append("</a>");
    return this;
  }

  /**
   * Appends a form with one button that posts {@code fields} to {@code action}; {@code token} is
   * the form's anti-forgery value.
   */
  Html button(String action, String label, String token, String... fields) {
    sb.append("<form method=\"post\" class=\"inline\" action=\"").append(esc(action)).append("\">");
    hidden("csrf", token);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      hidden(fields[i], fields[i + 1]);
    }
    sb.append("<button type=\"submit\">").append(esc(label)).append("</button></form>");
    return this;
  }

  Html hidden(String name, @Nullable String value) {
    sb.append("<input type=\"hidden\" name=\"")
        .append(esc(name))
        .append("\" value=\"")
        .append(esc(value))
        .append("\">");
    return this;
  }

  /** {@return a short human form of {@code d}: 850 ms, 12 s, 4 min 3 s, 2 h 5 min, 3 d 4 h} */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return s / 60 + " min " + s % 60 + " s";
    }
    if (s < 86400) {
      return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
    return s / 86400 + " d " + s % 86400 / 3600 + " h";
  }

  /** {@return an instant as text a person reads, to the second, in UTC} */
  static String at(@Nullable Instant t) {
    return t == null ? "" : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@return a whole page: the layout with navigation (the current entry marked), a flash message,
   * and {@code main}} {@code api} is the JSON the page's script polls for live updates.
   */
  static String page(
      String title,
      String current,
      String api,
      @Nullable String flash,
      boolean error,
      String main) {
    Html h = new Html();
    h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw(" · weft dashboard</title>")
        .raw("<link rel=\"stylesheet\" href=\"/static/weft.css\">")
        .raw("<script src=\"/static/weft.js\" defer></script></head>")
        .raw("<body data-api=\"")
        .text(api)
        .raw("\"><a class=\"skip\" href=\"#main\">Skip to content</a>")
        .raw("<header><nav aria-label=\"Main\"><span class=\"brand\">weft</span><ul>");
    for (String[] n :
        new String[][] {
          {"/", "Overview"},
          {"/jobs", "Jobs"},
          {"/dead", "Dead letters"},
          {"/queues", "Queues"},
          {"/workers", "Workers"}
        }) {
      h.raw("<li><a href=\"").raw(n[0]).raw("\"");
      if (n[1].equals(current)) {
        h.raw(" aria-current=\"page\"");
      }
      h.raw(">").text(n[1]).raw("</a></li>");
    }
    h.raw("</ul></nav></header><main id=\"main\">");
    if (flash != null) {
      h.raw("<p class=\"flash")
          .raw(error ? " error\" role=\"alert\"" : "\" role=\"status\"")
          .raw(">")
          .text(flash)
          .raw("</p>");
    }
    h.el("h1", title).raw(main).raw("</main>");
    h.raw("<footer><span id=\"live\" aria-live=\"polite\">Live updates every 2 s need")
        .raw(" JavaScript; reload to refresh.</span></footer></body></html>");
    return h.toString();
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
