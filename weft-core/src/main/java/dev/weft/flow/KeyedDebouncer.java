package dev.weft.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A {@link Debouncer} per key: each key (a document, a user, a host) has its own independent
 * debouncer state and the action gets the key with the latest argument. All keys share one timer
 * thread, which exists only while a timer is set; each key with runs decided has its own run
 * thread, so a slow action for one key delays neither other keys' runs nor any timer (a key's runs
 * stay in order and never overlap). A key's state is dropped once it is the same as a fresh one, so
 * any number of distinct keys use memory only while active. Thread-safe.
 *
 * {@snippet :
 * KeyedDebouncer<String, Doc> save = KeyedDebouncer.builder(Duration.ofMillis(500),
 *     (String id, Doc doc) -> store.save(id, doc)).build();
 * save.call(doc.id(), doc);
 * }
 *
 * @param <K> the key type; keys need proper {@code equals} and {@code hashCode}
 * @param <T> the argument type
 */
public final class KeyedDebouncer<K, T> extends KeyedEdgeHandle<K, T> {

  private KeyedDebouncer(Edges<K, T> edges) {
    super(edges);
  }

  /**
   * {@return a builder with the defaults of {@link Debouncer}}
   *
   * @param wait the wait, {@code >= 0}
   * @param action what to run with a key and its latest argument
   * @param <K> the key type
   * @param <T> the argument type
   */
  public static <K, T> Builder<K, T> builder(
      Duration wait, BiConsumer<? super K, ? super T> action) {
    return new Builder<>(wait, action);
  }

  /**
   * Builds a {@link KeyedDebouncer}; setters validate at once. Not thread-safe.
   *
   * @param <K> the key type
   * @param <T> the argument type
   */
  public static final class Builder<K, T> extends EdgeBuilder<Builder<K, T>> {
    private final BiConsumer<? super K, ? super T> action;

    private Builder(Duration wait, BiConsumer<? super K, ? super T> action) {
      super(wait, false, "keyed-debouncer");
      this.action = Objects.requireNonNull(action, "action");
    }

    /**
     * Sets the longest a run may be put off by further calls (lodash's {@code maxWait}).
     *
     * @param maxWait {@code >= wait}
     * @return this builder
     */
    public Builder<K, T> maxWait(Duration maxWait) {
      return maxWaitChecked(maxWait);
    }

    /** {@return the keyed debouncer} */
    public KeyedDebouncer<K, T> build() {
      return new KeyedDebouncer<>(engine(action));
    }
  }
}
