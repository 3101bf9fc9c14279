package dev.weft.task;

import java.util.Objects;

/**
 * Cancels a {@link CancellationToken} from outside the work it governs: the {@code AbortController}
 * of weft. Hand {@link #token()} to a scope ({@link Scope.Builder#cancellation(CancellationToken)})
 * and call {@link #cancel(String)} from any thread (a UI's stop button, a shutdown hook); the scope
 * interrupts its forks and flips the token their code reads.
 *
 * <p>Thread-safe. Memory consistency effects: as for {@link CancellationToken}.
 *
 * {@snippet :
 * CancellationSource stop = new CancellationSource();
 * Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.cancel("shutting down")));
 * try (var scope = Scope.builder().cancellation(stop.token()).open()) {
 *   scope.fork(() -> crawl());
 *   scope.join();                    // throws CancelledException("... shutting down") once cancelled
 * }
 * }
 *
 * <p>Exceptions thrown by callbacks registered on this source's token are logged through {@link
 * System.Logger} {@code dev.weft.task} (the canceller is often a thread that cannot handle them).
 */
public final class CancellationSource {

  private final CancellationToken token = new CancellationToken(null, true);

  /** Creates a source whose token is not yet cancelled. */
  public CancellationSource() {}

  /** {@return the token this source cancels} */
  public CancellationToken token() {
    return token;
  }

  /**
   * Cancels the token with {@code reason}, running its callbacks on this thread.
   *
   * @param reason why, for messages ("user pressed stop")
   * @return {@code true} if this call cancelled the token, {@code false} if it already was
   */
  public boolean cancel(String reason) {
    Objects.requireNonNull(reason, "reason");
    return token.cancel(new CancelledException(reason));
  }

  /**
   * Cancels the token with the reason "cancelled by its CancellationSource".
   *
   * @return {@code true} if this call cancelled the token, {@code false} if it already was
   */
  public boolean cancel() {
    return cancel("cancelled by its CancellationSource");
  }

  /** {@return whether the token has been cancelled} */
  public boolean isCancelled() {
    return token.isCancelled();
  }

  @Override
  public String toString() {
    return "CancellationSource[" + token + "]";
  }
}
