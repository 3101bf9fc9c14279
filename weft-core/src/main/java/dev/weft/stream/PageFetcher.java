package dev.weft.stream;

import org.jspecify.annotations.Nullable;

/**
 * Fetches one page of a cursor-based API: given the cursor (null for the first page), it returns
 * the page with the next cursor. It may block and may throw.
 *
 * @param <C> the cursor type
 * @param <T> the item type
 */
@FunctionalInterface
public interface PageFetcher<C, T> {

  /**
   * Fetches a page.
   *
   * @param cursor the cursor from the previous page, or {@code null} for the first page
   * @return the page, with the next cursor or {@code null} if it is the last
   * @throws Exception whatever the API call throws
   */
  Page<T, C> fetch(@Nullable C cursor) throws Exception;
}
