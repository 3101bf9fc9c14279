package dev.weft.jobs;

import org.jspecify.annotations.Nullable;

/**
 * A job store could not do what was asked: the database is unreachable, or a statement failed. The
 * message names the store and the operation; the cause is the driver's exception.
 */
public final class JobStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the store and what it was doing
   * @param cause the driver's exception
   */
  public JobStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
