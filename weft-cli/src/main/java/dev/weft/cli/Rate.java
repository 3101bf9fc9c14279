package dev.weft.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate from the command line: {@code 20/s}, {@code 100/m}, {@code 5000/h}, {@code 0.5/s}; the
 * interval between two starts is its inverse. Immutable.
 *
 * @param perSecond starts per second, > 0
 */
record Rate(double perSecond) {

  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*/\\s*(s|sec|m|min|h)");

  /**
   * {@return {@code value} as a rate}
   *
   * @param flag the flag it came with, for the message
   * @throws BadInput naming the flag and value when it is not a positive rate
   */
  static Rate parse(String flag, String value) {
    Matcher m = FORM.matcher(value.trim());
    double n = m.matches() ? Double.parseDouble(m.group(1)) : 0;
    if (!m.matches() || n <= 0) {
      throw new BadInput(
          flag + " must be a positive rate like 20/s, 100/m or 5000/h, was '" + value + "'");
    }
    double per =
        switch (m.group(2)) {
          case "m", "min" -> 60;
          case "h" -> 3600;
          default -> 1;
        };
    return new Rate(n / per);
  }

  /** {@return the time between two starts at this rate} */
  Duration interval() {
    return Duration.ofNanos(Math.max(1, (long) (1e9 / perSecond)));
  }
}
