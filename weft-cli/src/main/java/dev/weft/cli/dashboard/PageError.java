package dev.weft.cli.dashboard;

/**
 * A request the dashboard refuses: an unknown job, a malformed filter, a stale action. Carries the
 * HTTP status (4xx) and one line for the page and the API. Immutable.
 */
final class PageError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  PageError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** {@return the HTTP status to answer with} */
  int status() {
    return status;
  }

  static PageError badRequest(String message) {
    return new PageError(400, message);
  }

  static PageError notFound(String message) {
    return new PageError(404, message);
  }

  static PageError conflict(String message) {
    return new PageError(409, message);
  }
}
