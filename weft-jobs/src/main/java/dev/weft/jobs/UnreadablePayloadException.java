package dev.weft.jobs;

/**
 * A job's payload cannot be read as the type its handler asked for. A job whose handler throws it
 * becomes dead at once: retrying cannot fix the bytes.
 */
public final class UnreadablePayloadException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a message that stands alone in a log
   * @param cause what the JSON reader threw
   */
  public UnreadablePayloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
