package dev.weft.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@code Throttler} runs an action at most once per wait however often it is called: lodash's
 * {@code throttle}, which is a debounce whose {@code maxWait} is its wait. By default it runs on
 * the leading edge (the first call, at once, on the caller's thread) and on the trailing edge (at
 * the end of the wait, on the timer thread, with the latest argument, if calls came in between).
 * Thread-safe.
 *
 * {@snippet :
 * Throttler<Progress> report = Throttler.of(Duration.ofMillis(100), p -> bar.render(p));
 * report.call(progress);     // from a hot loop: renders at most 10 times a second
 * report.close();
 * }
 *
 * <p>{@link #flush()}, {@link #cancel()}, {@link #close()}, exceptions and overlap behave as for
 * {@link Debouncer}.
 *
 * @param <T> the argument type
 */
public final class Throttler<T> implements AutoCloseable {

  private static final String KEY = "";

  private final Edges<String, T> edges;

  private Throttler(Edges<String, T> edges) {
    this.edges = edges;
  }

  /**
   * {@return a leading- and trailing-edge throttler of {@code action} on the system clock}
   *
   * @param wait the least time between two runs
   * @param action what to run with the latest argument
   * @param <T> the argument type
   */
  public static <T> Throttler<T> of(Duration wait, Consumer<? super T> action) {
    return Throttler.<T>builder(wait, action).build();
  }

  /**
   * {@return a builder: leading and trailing edges by default}
   *
   * @param wait the least time between two runs, {@code >= 0}
   * @param action what to run with the latest argument
   * @param <T> the argument type
   */
  public static <T> Builder<T> builder(Duration wait, Consumer<? super T> action) {
    return new Builder<>(wait, action);
  }

  /**
   * Records a call with {@code arg}; on a leading edge, starts a run at once (on the timer thread).
   * Returns at once; throws {@link IllegalStateException} after {@link #close()}.
   *
   * @param arg the argument
   */
  public void call(T arg) {
    edges.call(KEY, Objects.requireNonNull(arg, "arg"));
  }

  /**
   * Runs a pending trailing call now and waits until it has run.
   *
   * @return whether the action ran
   * @throws InterruptedException if interrupted while waiting for the run (it still happens)
   */
  public boolean flush() throws InterruptedException {
    return edges.flush(KEY);
  }

  /** Forgets a pending trailing call and resets the state. */
  public void cancel() {
    edges.cancel(KEY);
  }

  /** {@return whether a timer is set} */
  public boolean isPending() {
    return edges.isPending(KEY);
  }

  /** Forgets pending calls and waits for a running one; afterwards nothing runs. Idempotent. */
  @Override
  public void close() {
    edges.close();
  }

  /** The engine, for tests that wait for the timer thread to settle. */
  Edges<String, T> edges() {
    return edges;
  }

  @Override
  public String toString() {
    return "Throttler['" + edges.name + "']";
  }

  /**
   * Builds a {@link Throttler}; setters validate at once. Not thread-safe.
   *
   * @param <T> the argument type
   */
  public static final class Builder<T> extends EdgeBuilder<Builder<T>> {
    private final Consumer<? super T> action;

    private Builder(Duration wait, Consumer<? super T> action) {
      super(wait, true, "throttler");
      this.action = Objects.requireNonNull(action, "action");
    }

    /** {@return the throttler} */
    public Throttler<T> build() {
      return new Throttler<>(engine((String k, T arg) -> action.accept(arg)));
    }
  }
}
