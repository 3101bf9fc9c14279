package dev.weft.cli;

/**
 * Bad input from the user: a malformed flag value, a missing file, an unknown placeholder. The
 * command prints its message as one line and exits with 255; the message names the flag or input,
 * the value and the rule. Immutable.
 */
final class BadInput extends RuntimeException {

  BadInput(String message) {
    super(message);
  }

  BadInput(String message, Throwable cause) {
    super(message, cause);
  }
}
