package dev.weft.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@code Throttler} runs an action at most once per wait however often it is called: lodash's
 * {@code throttle}, which is a debounce whose {@code maxWait} is its wait. By default it runs on
 * the leading edge (the first call starts a run at once) and on the trailing edge (at the end of
 * the wait, with the latest argument, if calls came in between). Thread-safe.
 *
 * {@snippet :
 * Throttler<Progress> report = Throttler.of(Duration.ofMillis(100), p -> bar.render(p));
 * report.call(progress);     // from a hot loop: renders at most 10 times a second
 * report.close();
 * }
 *
 * <p>Where runs happen, {@link #flush()}, {@link #cancel()}, {@link #close()} and exceptions behave
 * as for {@link Debouncer}.
 *
 * @param <T> the argument type
 */
public final class Throttler<T> extends EdgeHandle<T> {

  private Throttler(Edges<String, T> edges) {
    super(edges);
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
      return new Throttler<>(engine(action));
    }
  }
}
