package dev.weft.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --halt}, with GNU parallel's meaning: {@code now,fail=1} kills the running jobs and stops
 * at the first failure; {@code soon,fail=10%} starts no new job once 10% of all jobs have failed
 * and waits for the running ones; {@code success=} and {@code done=} count successes and finished
 * jobs instead; {@code never} (the default), {@code 0}, {@code 1} ({@code soon,fail=1}), {@code 2}
 * ({@code now,fail=1}) and {@code N%} ({@code soon,fail=N%}) are the short forms. Immutable.
 *
 * @param when {@code now} or {@code soon}; {@code never} turns halting off
 * @param what what is counted
 * @param count how many, when {@code percent} is false
 * @param percent whether {@code count} is a percentage of all jobs
 */
record Halt(When when, What what, double count, boolean percent) {

  /** When to stop. */
  enum When {
    NEVER,
    SOON,
    NOW
  }

  /** What is counted. */
  enum What {
    FAIL,
    SUCCESS,
    DONE
  }

  private static final Pattern FORM =
      Pattern.compile("(now|soon),(fail|success|done)=(\\d+(?:\\.\\d+)?)(%?)");

  /** {@return no halting} */
  static Halt never() {
    return new Halt(When.NEVER, What.FAIL, 0, false);
  }

  /**
   * {@return {@code value} parsed}
   *
   * @throws BadInput naming the value when malformed
   */
  static Halt parse(String value) {
    String v = value.trim();
    switch (v) {
      case "never", "0" -> {
        return never();
      }
      case "1" -> {
        return new Halt(When.SOON, What.FAIL, 1, false);
      }
      case "2" -> {
        return new Halt(When.NOW, What.FAIL, 1, false);
      }
      default -> {}
    }
    if (v.matches("\\d+(\\.\\d+)?%")) {
      v = "soon,fail=" + v;
    }
    Matcher m = FORM.matcher(v);
    if (!m.matches() || Double.parseDouble(m.group(3)) <= 0) {
      throw new BadInput(
          "--halt must be WHEN,WHAT=N or WHEN,WHAT=N% with WHEN now|soon, WHAT fail|success|done"
              + " and N > 0 (e.g. now,fail=1, soon,fail=10%), or never, 0, 1, 2, N%; was '"
              + value
              + "'");
    }
    boolean pct = !m.group(4).isEmpty();
    double n = Double.parseDouble(m.group(3));
    if (pct && n > 100) {
      throw new BadInput("--halt percentage must be <= 100%, was '" + value + "'");
    }
    return new Halt(
        When.valueOf(m.group(1).toUpperCase(Locale.ROOT)),
        What.valueOf(m.group(2).toUpperCase(Locale.ROOT)),
        n,
        pct);
  }
}
