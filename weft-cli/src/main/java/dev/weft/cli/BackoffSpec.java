package dev.weft.cli;

import dev.weft.policy.Backoff;
import java.time.Duration;

/**
 * Parses {@code --backoff}: {@code exp:1s..1m} (exponential from 1s, doubling, capped at 1m, full
 * jitter), {@code fixed:2s}, {@code none}. Stateless.
 */
final class BackoffSpec {

  private BackoffSpec() {}

  /**
   * {@return the backoff {@code value} describes}
   *
   * @throws BadInput naming the value when malformed
   */
  static Backoff parse(String value) {
    String v = value.trim();
    if (v.equals("none")) {
      return Backoff.fixed(Duration.ZERO);
    }
    try {
      if (v.startsWith("exp:")) {
        String[] range = v.substring(4).split("\\.\\.", -1);
        if (range.length != 2) {
          throw new BadInput("");
        }
        Duration from = Durations.parse("--backoff", range[0]);
        Duration to = Durations.parse("--backoff", range[1]);
        if (from.isZero() || to.compareTo(from) < 0) {
          throw new BadInput("");
        }
        return Backoff.exponential(from, 2.0).max(to).fullJitter();
      }
      if (v.startsWith("fixed:")) {
        return Backoff.fixed(Durations.parse("--backoff", v.substring(6)));
      }
    } catch (BadInput | IllegalArgumentException e) {
      throw new BadInput(message(value), e);
    }
    throw new BadInput(message(value));
  }

  private static String message(String value) {
    return "--backoff must be exp:FROM..TO (e.g. exp:1s..1m, FROM > 0, TO >= FROM), fixed:DURATION"
        + " or none, was '"
        + value
        + "'";
  }
}
