package dev.weft.flow;

import java.util.Objects;

/** Validation shared by the builders of this package. */
final class Names {

  private Names() {}

  static String check(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    return name;
  }

  static java.time.Duration positive(String what, java.time.Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be > 0, was " + d);
    }
    return d;
  }
}
