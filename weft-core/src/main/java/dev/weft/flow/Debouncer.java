package dev.weft.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@code Debouncer} runs an action once a burst of calls has gone quiet for a wait, with the
 * latest call's argument: lodash's {@code debounce}, with the same options ({@code leading}, {@code
 * trailing}, {@code maxWait}) and the same {@code flush()} and {@code cancel()}. Thread-safe.
 *
 * {@snippet :
 * Debouncer<String> save = Debouncer.builder(Duration.ofMillis(300), text -> store.save(text))
 *     .maxWait(Duration.ofSeconds(2))   // save at least every 2 s while typing goes on
 *     .build();
 * save.call(editor.text());             // on every keystroke
 * save.close();                         // no save runs after this returns
 * }
 *
 * <p>Semantics (lodash's): a call records its argument and time. With {@code leading}, the first
 * call of a burst starts a run at once. The trailing run happens when {@code wait} has passed since
 * the last call (or {@code maxWait} since the last run), with the latest argument, and only if a
 * call came after the last run. {@link #flush()} runs a pending trailing call now and waits for it;
 * {@link #cancel()} forgets it. After {@link #close()} returns, the action never runs again and
 * {@link #call} is rejected.
 *
 * <p>Runs happen on the debouncer's run thread (a virtual thread that exists only while runs are
 * decided), one at a time, in the order they were decided: runs never overlap and see the arguments
 * in call order. The timers are kept by another thread, so a slow action delays only the runs after
 * it, never when they are decided. What the action throws is logged (a {@code WARNING} of the
 * {@code dev.weft.flow} logger) and does not stop later runs.
 *
 * @param <T> the argument type
 */
public final class Debouncer<T> extends EdgeHandle<T> {

  private Debouncer(Edges<String, T> edges) {
    super(edges);
  }

  /**
   * {@return a trailing-edge debouncer of {@code action} on the system clock}
   *
   * @param wait the quiet time before the action runs
   * @param action what to run with the latest argument
   * @param <T> the argument type
   */
  public static <T> Debouncer<T> of(Duration wait, Consumer<? super T> action) {
    return Debouncer.<T>builder(wait, action).build();
  }

  /**
   * {@return a builder: trailing edge only, no maxWait, by default}
   *
   * @param wait the quiet time before the action runs, {@code >= 0}
   * @param action what to run with the latest argument
   * @param <T> the argument type
   */
  public static <T> Builder<T> builder(Duration wait, Consumer<? super T> action) {
    return new Builder<>(wait, action);
  }

  /**
   * Builds a {@link Debouncer}; setters validate at once. Not thread-safe.
   *
   * @param <T> the argument type
   */
  public static final class Builder<T> extends EdgeBuilder<Builder<T>> {
    private final Consumer<? super T> action;

    private Builder(Duration wait, Consumer<? super T> action) {
      super(wait, false, "debouncer");
      this.action = Objects.requireNonNull(action, "action");
    }

    /**
     * Sets the longest a run may be put off by further calls (lodash's {@code maxWait}).
     *
     * @param maxWait {@code >= wait}
     * @return this builder
     */
    public Builder<T> maxWait(Duration maxWait) {
      return maxWaitChecked(maxWait);
    }

    /** {@return the debouncer} */
    public Debouncer<T> build() {
      return new Debouncer<>(engine(action));
    }
  }
}
