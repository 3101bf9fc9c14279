package dev.weft.stream;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One page of a paged API: its items and the cursor of the next page, {@code null} when the API
 * says there is no more.
 *
 * <p>Immutable when {@code items} is (the list is copied on construction).
 *
 * @param items the page's items, never null (may be empty)
 * @param next the cursor to ask for the next page, or {@code null} if this is the last page
 * @param <T> the item type
 * @param <C> the cursor type
 */
public record Page<T, C>(List<T> items, @Nullable C next) {

  /** Copies the items. */
  public Page {
    items = List.copyOf(Objects.requireNonNull(items, "items"));
  }

  /** {@return a page with {@code items} followed by the page at {@code next}, or the last} */
  public static <T, C> Page<T, C> of(List<T> items, @Nullable C next) {
    return new Page<>(items, next);
  }

  /** {@return the last page, holding {@code items}} */
  public static <T, C> Page<T, C> last(List<T> items) {
    return new Page<>(items, null);
  }

  /** {@return whether another page follows} */
  public boolean hasNext() {
    return next != null;
  }
}
