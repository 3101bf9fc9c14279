package dev.weft.flow;

/**
 * Permits held from a {@link Limiter}, {@link Permits} or {@link KeyedLimiter}: {@link #close()}
 * gives them back. Use it in try-with-resources so that they are returned on every path.
 *
 * <p>Thread-safe: any thread may close it, and closing twice releases once.
 *
 * {@snippet :
 * try (Permit permit = limiter.acquire()) {
 *   send(request);
 * }
 * }
 */
public interface Permit extends AutoCloseable {

  /** {@return how many permits this holds} */
  int count();

  /** {@return whether {@link #close()} has been called} */
  boolean isReleased();

  /** Returns the permits; later calls do nothing. Never blocks. */
  @Override
  void close();
}
