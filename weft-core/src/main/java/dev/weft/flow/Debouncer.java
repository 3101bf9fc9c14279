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
 * call of a burst runs the action at once on the caller's thread. The trailing run happens when
 * {@code wait} has passed since the last call (or {@code maxWait} since the last run), on the
 * debouncer's timer thread (a virtual thread that exists only while a run is pending), with the
 * latest argument, and only if a call came after the last run. {@link #flush()} runs a pending
 * trailing call now on the caller's thread; {@link #cancel()} forgets it. After {@link #close()}
 * returns, the action never runs again and {@link #call} is rejected.
 *
 * <p>What the action throws propagates to the caller on a leading edge or a flush, and is logged (a
 * {@code WARNING} of the {@code dev.weft.flow} logger) on the timer thread. A leading run on a
 * caller and a trailing run on the timer thread may overlap when the action is slower than the
 * wait; the action must tolerate that.
 *
 * @param <T> the argument type
 */
public final class Debouncer<T> implements AutoCloseable {

  private static final String KEY = "";

  private final Edges<String, T> edges;

  private Debouncer(Edges<String, T> edges) {
    this.edges = edges;
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
   * Records a call with {@code arg}; on a leading edge, starts a run at once (on the timer thread).
   *
   * <p>Returns at once, never waiting for the action; throws {@link IllegalStateException} after
   * {@link #close()}.
   *
   * @param arg the argument the next run gets unless a later call replaces it
   */
  public void call(T arg) {
    edges.call(KEY, Objects.requireNonNull(arg, "arg"));
  }

  /**
   * Runs a pending trailing call now instead of when its timer fires, and waits until it has run.
   *
   * @return whether the action ran
   * @throws InterruptedException if interrupted while waiting for the run (it still happens)
   */
  public boolean flush() throws InterruptedException {
    return edges.flush(KEY);
  }

  /** Forgets a pending trailing call and resets the state, as if no call had been made. */
  public void cancel() {
    edges.cancel(KEY);
  }

  /** {@return whether a timer is set (lodash's {@code pending()})} */
  public boolean isPending() {
    return edges.isPending(KEY);
  }

  /**
   * Forgets pending calls, waits for a run in progress on another thread to return, and stops the
   * timer thread; afterwards nothing runs. Idempotent; an interrupt while waiting is kept and
   * re-asserted.
   */
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
    return "Debouncer['" + edges.name + "']";
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
      return new Debouncer<>(engine((String k, T arg) -> action.accept(arg)));
    }
  }
}
