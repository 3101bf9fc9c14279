package dev.weft.stream;

import java.io.Serial;

/**
 * A checked exception thrown by the function applied to one element of a stream or list, wrapped
 * with the element's position ({@code element #2 failed: java.io.IOException: reset}). Unchecked
 * exceptions are never wrapped; they propagate unchanged.
 *
 * <p>Immutable once thrown.
 */
public final class ElementException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final long index;

  /**
   * Creates the exception.
   *
   * @param index the element's position in its source, from 0
   * @param cause what the function threw
   */
  public ElementException(long index, Throwable cause) {
    this("element", index, cause);
  }

  /** Creates the exception for a {@code what} other than an element, such as a page. */
  ElementException(String what, long index, Throwable cause) {
    super(what + " #" + index + " failed: " + cause, cause);
    this.index = index;
  }

  /** {@return the failed element's position in its source, from 0} */
  public long index() {
    return index;
  }

  /**
   * {@return {@code failure} itself if unchecked, otherwise wrapped with the element's position}
   */
  static RuntimeException wrap(long index, Throwable failure) {
    return wrap("element", index, failure);
  }

  /** {@return {@code failure} itself if unchecked, otherwise wrapped with {@code what #index}} */
  static RuntimeException wrap(String what, long index, Throwable failure) {
    if (failure instanceof RuntimeException r) {
      return r;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    return new ElementException(what, index, failure);
  }
}
