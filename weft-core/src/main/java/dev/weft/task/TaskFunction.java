package dev.weft.task;

import org.jspecify.annotations.Nullable;

/**
 * The work applied to each item by the mapping forms of {@link Tasks} ({@code Tasks.all(ids, id ->
 * api.user(id))}): a function that may throw, like {@link java.util.concurrent.Callable} takes no
 * argument.
 *
 * <p>Implementations are called from many threads at once, one call per item, so they must be
 * thread-safe.
 *
 * {@snippet :
 * TaskFunction<URI, String> fetch = uri -> http.send(HttpRequest.newBuilder(uri).build(), ofString()).body();
 * List<String> bodies = Tasks.all(uris, 16, fetch);
 * }
 *
 * @param <I> the type of the items
 * @param <T> the type of the results
 */
@FunctionalInterface
public interface TaskFunction<I extends @Nullable Object, T extends @Nullable Object> {

  /**
   * Computes the result for one item.
   *
   * @param item the item
   * @return the result
   * @throws Exception whatever the work throws; checked exceptions are wrapped once in {@link
   *     TaskFailedException} by the combinator
   */
  T apply(I item) throws Exception;
}
