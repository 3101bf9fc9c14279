package dev.weft.policy;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Holds a resource (a bulkhead permit) until the work of one call has really ended, even when a
 * {@link Timeout} that {@linkplain Timeout#withReturnEarly returns early} let the caller go first.
 *
 * <p>The holder binds {@link #CURRENT} around the inner call; a timeout that abandons running work
 * calls {@link #deferFor()} on the current hold and runs the returned hook when the abandoned work
 * ends. The resource is released once by whichever comes last: the call returning, or every
 * deferred piece of work ending. Thread-safe: one atomic counter of outstanding parties.
 */
final class CallHold {

  static final ScopedValue<CallHold> CURRENT = ScopedValue.newInstance();

  private final AtomicInteger parties = new AtomicInteger(1); // the call itself
  private final Runnable release;

  CallHold(Runnable release) {
    this.release = release;
  }

  /** {@return the hold of the current call, or null outside any} */
  static @Nullable CallHold current() {
    return CURRENT.isBound() ? CURRENT.get() : null;
  }

  /** Adds a party; {@return the hook the party runs when its work has ended} */
  Runnable deferFor() {
    parties.incrementAndGet();
    return this::leave;
  }

  /** The call or a deferred party is done; the last one releases. */
  void leave() {
    if (parties.decrementAndGet() == 0) {
      release.run();
    }
  }
}
