package dev.weft.cli;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/** Closes what was added, last first, on {@link #close}. Not thread-safe. */
final class Closer implements Closeable {

  private final Deque<AutoCloseable> stack = new ArrayDeque<>();

  /** {@return {@code c}, to be closed later} */
  <T extends AutoCloseable> T add(T c) {
    stack.push(c);
    return c;
  }

  @Override
  public void close() throws IOException {
    while (!stack.isEmpty()) {
      try {
        stack.pop().close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }
}
