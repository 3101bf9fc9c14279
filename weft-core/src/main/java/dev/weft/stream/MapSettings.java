package dev.weft.stream;

/**
 * How {@link Gather#mapConcurrent(MapSettings, TaskFunction)} runs: at most {@code limit} elements
 * in flight; results in input order ({@code ordered}) or as they complete; and, when ordered, at
 * most {@code window} elements started but not yet emitted, which bounds the memory a slow head
 * element can make the stage hold.
 *
 * <p>Immutable; {@link #unordered()} and {@link #withWindow(int)} return copies.
 *
 * {@snippet :
 * MapSettings settings = MapSettings.limit(64).withWindow(256);
 * }
 *
 * @param limit the most elements in flight at once, {@code >= 1}
 * @param window when ordered, the most elements started and not yet emitted, {@code >= limit};
 *     unordered, always {@code limit}
 * @param ordered whether results keep the input order
 */
public record MapSettings(int limit, int window, boolean ordered) {

  /** Validates the settings. */
  public MapSettings {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
    if (window < limit) {
      throw new IllegalArgumentException("window must be >= limit (" + limit + "), was " + window);
    }
    if (!ordered && window != limit) {
      throw new IllegalArgumentException(
          "window applies only to the ordered form; unordered, it is the limit (" + limit + ")");
    }
  }

  /**
   * {@return ordered settings with {@code limit} in flight and a window of {@code 2 * limit}}
   *
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public static MapSettings limit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
    return new MapSettings(limit, (int) Math.min(Integer.MAX_VALUE, 2L * limit), true);
  }

  /** {@return a copy that emits results as they complete, not in input order} */
  public MapSettings unordered() {
    return new MapSettings(limit, limit, false);
  }

  /** {@return a copy whose ordered window is {@code window} elements} */
  public MapSettings withWindow(int window) {
    if (!ordered) {
      throw new IllegalStateException("window applies only to the ordered form");
    }
    return new MapSettings(limit, window, true);
  }
}
