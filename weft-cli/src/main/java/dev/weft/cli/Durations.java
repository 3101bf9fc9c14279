package dev.weft.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as the command takes them: {@code 30s}, {@code 500ms}, {@code 1.5m}, {@code 2h},
 * {@code 1d}, or a bare number of seconds as GNU parallel's {@code --timeout} and {@code --delay}
 * take. Stateless.
 */
final class Durations {

  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?");

  private Durations() {}

  /**
   * {@return {@code value} as a duration}
   *
   * @param flag the flag it came with, for the message
   * @throws BadInput naming the flag and value when it is not a non-negative duration
   */
  static Duration parse(String flag, String value) {
    Matcher m = FORM.matcher(value.trim());
    if (!m.matches()) {
      throw new BadInput(
          flag
              + " must be a duration like 30s, 500ms, 1.5m, 2h or a number of seconds, was '"
              + value
              + "'");
    }
    BigDecimal n = new BigDecimal(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    BigDecimal nanosPer =
        switch (unit) {
          case "ms" -> BigDecimal.valueOf(1_000_000L);
          case "m" -> BigDecimal.valueOf(60_000_000_000L);
          case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
          case "d" -> BigDecimal.valueOf(86_400_000_000_000L);
          default -> BigDecimal.valueOf(1_000_000_000L);
        };
    try {
      return Duration.ofNanos(n.multiply(nanosPer).longValueExact());
    } catch (ArithmeticException e) {
      throw new BadInput(flag + " is too long, was '" + value + "'", e);
    }
  }

  /** {@return {@code d} written compactly for people: 850ms, 12.3s, 4m05s, 2h10m} */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format("%.1fs", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 3600) {
      return String.format("%dm%02ds", s / 60, s % 60);
    }
    return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
