package dev.weft.flow;

/**
 * Permits held from a {@link Limiter}, {@link Permits} or {@link KeyedLimiter}: {@link #close()}
 * gives them back. Use it in try-with-resources so that they are returned on every path.
 *
 * <p>Closing twice releases once. Close it from one thread at a time: the thread that acquired it,
 * or one it handed the permit to (the hand-over making the first close visible). Two threads
 * closing the same permit at the same instant may both release it, as {@link
 * java.util.concurrent.Semaphore#release()} checks nothing at all: ruling that out takes a
 * compare-and-set per close, measured to make {@code acquire()} plus {@code close()} 1.8x slower
 * (8.1 ns against 4.5 ns, BENCHMARKS.md "Flow control"). {@link #isReleased()} may be read from any
 * thread.
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
