package dev.weft.cli;

/**
 * Parses {@code -j}: {@code N} jobs, {@code N%} of the cores, {@code +N} / {@code -N} cores plus or
 * minus N, {@code 0} as many as possible (capped at {@value #UNLIMITED}). Stateless.
 */
final class Parallelism {

  /** What {@code -j 0} means. */
  static final int UNLIMITED = 4096;

  private Parallelism() {}

  /**
   * {@return the number of job slots {@code value} asks for on a machine with {@code cores}}
   *
   * @throws BadInput naming the value when it is none of the forms
   */
  static int parse(String value, int cores) {
    String v = value.trim();
    try {
      int n;
      if (v.endsWith("%")) {
        n = (int) Math.floor(cores * Double.parseDouble(v.substring(0, v.length() - 1)) / 100.0);
      } else if (v.startsWith("+")) {
        n = cores + Integer.parseInt(v.substring(1));
      } else if (v.startsWith("-")) {
        n = cores - Integer.parseInt(v.substring(1));
      } else {
        n = Integer.parseInt(v);
        if (n == 0) {
          return UNLIMITED;
        }
      }
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.max(1, Math.min(n, UNLIMITED));
    } catch (NumberFormatException e) {
      throw new BadInput(
          "-j must be N, N%, +N, -N or 0 (as many as possible), was '" + value + "'", e);
    }
  }
}
