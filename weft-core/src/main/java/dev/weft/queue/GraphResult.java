package dev.weft.queue;

import java.io.Serial;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of every node of one {@link TaskGraph} run, by name, in declaration order. Immutable.
 *
 * @param outcomes each node's outcome, in declaration order
 */
public record GraphResult(Map<String, NodeOutcome> outcomes) {

  /** Copies the map, keeping its order. */
  public GraphResult {
    outcomes = Collections.unmodifiableMap(new LinkedHashMap<>(outcomes));
  }

  /** {@return whether every node succeeded} */
  public boolean succeeded() {
    return outcomes.values().stream().allMatch(o -> o instanceof NodeOutcome.Succeeded);
  }

  /**
   * {@return the outcome of node {@code name}}
   *
   * @throws IllegalArgumentException if there is no such node
   */
  public NodeOutcome outcome(String name) {
    NodeOutcome o = outcomes.get(name);
    if (o == null) {
      throw new IllegalArgumentException("no task named '" + name + "' in " + outcomes.keySet());
    }
    return o;
  }

  /**
   * {@return the value node {@code name} returned, cast to {@code type}}
   *
   * @throws IllegalStateException if the node did not succeed
   */
  public <T> @Nullable T value(String name, Class<T> type) {
    if (outcome(name) instanceof NodeOutcome.Succeeded(Object v)) {
      return type.cast(v);
    }
    throw new IllegalStateException("task '" + name + "' did not succeed: " + outcome(name));
  }

  /**
   * Throws a {@link TaskGraphException} naming every node that did not succeed, with the first
   * node's error as the cause and the others' as suppressed; returns normally if all succeeded.
   */
  public void throwIfFailed() {
    List<String> bad = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    outcomes.forEach((name, o) -> {
      switch (o) {
        case NodeOutcome.Succeeded s -> {}
        case NodeOutcome.Failed(Throwable e) -> {
          bad.add(name + " failed (" + e + ")");
          errors.add(e);
        }
        case NodeOutcome.Skipped(List<String> by) -> bad.add(name + " skipped (after " + by + ")");
        case NodeOutcome.Cancelled c -> bad.add(name + " cancelled");
      }
    });
    if (!bad.isEmpty()) {
      TaskGraphException ex =
          new TaskGraphException(
              "task graph did not succeed: " + String.join(", ", bad),
              errors.isEmpty() ? null : errors.getFirst());
      errors.stream().skip(1).forEach(ex::addSuppressed);
      throw ex;
    }
  }

  /** Thrown by {@link #throwIfFailed()}: names the nodes that did not succeed. */
  public static final class TaskGraphException extends RuntimeException {
    @Serial private static final long serialVersionUID = 1L;

    TaskGraphException(String message, @Nullable Throwable cause) {
      super(Objects.requireNonNull(message), cause);
    }
  }
}
