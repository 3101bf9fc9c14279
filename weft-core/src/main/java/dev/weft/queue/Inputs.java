package dev.weft.queue;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The results of a {@link TaskGraph} node's parents, by name. Immutable.
 *
 * {@snippet :
 * builder.task("report", List.of("users", "orders"),
 *     in -> Report.of(in.get("users", Users.class), in.get("orders", Orders.class)));
 * }
 */
public final class Inputs {

  private final Map<String, @Nullable Object> values;

  Inputs(Map<String, @Nullable Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /** {@return the names of the parents} */
  public Set<String> names() {
    return values.keySet();
  }

  /**
   * {@return the result of parent {@code name}, cast to {@code type}; null if it returned null}
   *
   * @throws IllegalArgumentException if {@code name} is not a parent of this node
   * @throws ClassCastException if the result is not a {@code type}
   */
  public <T> @Nullable T get(String name, Class<T> type) {
    Objects.requireNonNull(type, "type");
    return type.cast(get(name));
  }

  /**
   * {@return the result of parent {@code name}; null if it returned null}
   *
   * @throws IllegalArgumentException if {@code name} is not a parent of this node
   */
  public @Nullable Object get(String name) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException(
          "'" + name + "' is not a dependency of this task; its dependencies are " + names());
    }
    return values.get(name);
  }

  @Override
  public String toString() {
    return "Inputs" + values.keySet();
  }
}
