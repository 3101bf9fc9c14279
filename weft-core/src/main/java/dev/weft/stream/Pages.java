package dev.weft.stream;

import dev.weft.observe.WeftThreads;
import dev.weft.task.TaskFunction;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A paged API seen as a lazy {@link Stream} of pages or of items: pages are fetched one at a time
 * as the stream is consumed, and the stream ends when the API says there is no more (a page whose
 * next cursor is {@code null}; for numbered pages, an empty page).
 *
 * {@snippet :
 * try (Stream<Order> orders = Pages.byCursor((String cursor) -> api.orders(cursor)).prefetch().items()) {
 *   orders.forEach(this::process);
 * }
 * Stream<List<User>> pages = Pages.byNumber(1, n -> api.users(n)).pages(); // stops at an empty page
 * }
 *
 * <p><b>Errors.</b> A fetch that throws ends the stream with that failure after the pages before it
 * were delivered: unchecked exceptions unchanged, checked ones in an {@link
 * dev.weft.task.TaskFailedException} ({@code page #3 failed: ...}, counting from 0). A cursor equal
 * to the one just used would loop forever and is rejected with {@link IllegalStateException}.
 *
 * <p><b>Prefetch.</b> With {@link #prefetch()}, the next page is fetched on a virtual thread while
 * the current one is processed, so the consumer waits only for the slower of the two. Closing the
 * stream (try-with-resources) cancels a prefetch in flight and waits for it; a stream dropped
 * without closing lets at most that one fetch run to its end.
 *
 * <p>Immutable and thread-safe; each call to {@link #pages()} or {@link #items()} makes a new
 * stream that starts from the first page. The streams themselves are sequential and single-use, as
 * every stream.
 *
 * @param <T> the item type
 */
public final class Pages<T> {

  private static final ThreadFactory THREADS = WeftThreads.virtual("weft-pages");

  private final Source<T, ?> source;
  private final boolean prefetch;

  private record Source<T, C>(PageFetcher<C, T> fetcher, @Nullable C first, boolean emptyEnds) {}

  private Pages(Source<T, ?> source, boolean prefetch) {
    this.source = source;
    this.prefetch = prefetch;
  }

  /**
   * {@return the pages of a cursor-based API; the first fetch gets a {@code null} cursor}
   *
   * @param fetcher fetches one page given the previous page's cursor
   */
  public static <T, C> Pages<T> byCursor(PageFetcher<C, T> fetcher) {
    Objects.requireNonNull(fetcher, "fetcher");
    return new Pages<>(new Source<>(fetcher, null, false), false);
  }

  /**
   * {@return the pages of a page-number API, from page {@code first} up, ending at the first empty
   * page}
   *
   * @param first the number of the first page, such as 0 or 1
   * @param fetcher fetches the items of one page given its number
   */
  public static <T> Pages<T> byNumber(int first, TaskFunction<Integer, List<T>> fetcher) {
    Objects.requireNonNull(fetcher, "fetcher");
    PageFetcher<Integer, T> byNumber =
        n -> {
          int number = n == null ? first : n;
          List<T> items = fetcher.apply(number);
          return Page.of(items, items.isEmpty() ? null : number + 1);
        };
    return new Pages<>(new Source<>(byNumber, first, true), false);
  }

  /** {@return a copy that fetches the next page while the current one is consumed} */
  public Pages<T> prefetch() {
    return new Pages<>(source, true);
  }

  /** {@return a lazy stream of the pages' item lists, in order; close it when prefetching} */
  public Stream<List<T>> pages() {
    Walker<T, ?> walker = new Walker<>(source, prefetch);
    return StreamSupport.stream(walker, false).onClose(walker::close);
  }

  /** {@return a lazy stream of every page's items, in order; close it when prefetching} */
  public Stream<T> items() {
    Stream<List<T>> pages = pages();
    return pages.flatMap(List::stream).onClose(pages::close);
  }

  /**
   * Walks the pages. Belongs to the stream's thread, except the prefetch task, which touches only
   * its own {@link FutureTask}.
   */
  private static final class Walker<T, C> extends Spliterators.AbstractSpliterator<List<T>> {
    private final Source<T, C> source;
    private final boolean prefetch;
    private @Nullable C cursor;
    private long index;
    private final long start = Failures.start();
    private boolean ended;
    private @Nullable FutureTask<Page<T, C>> ahead;
    private @Nullable Thread aheadThread;

    Walker(Source<T, C> source, boolean prefetch) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.source = source;
      this.prefetch = prefetch;
      this.cursor = source.first();
    }

    @Override
    public boolean tryAdvance(Consumer<? super List<T>> action) {
      while (!ended) {
        Page<T, C> page = next();
        long number = index++;
        C next = page.next();
        if (next == null) {
          ended = true;
        } else if (next.equals(cursor) && !(number == 0 && cursor == null)) {
          ended = true;
          throw new IllegalStateException(
              "page #" + number + " returned the cursor it was fetched with (" + next + ")");
        } else {
          cursor = next;
          if (prefetch) {
            startAhead(next);
          }
        }
        if (!(source.emptyEnds() && page.items().isEmpty())) {
          action.accept(page.items());
          return true;
        }
      }
      return false;
    }

    private Page<T, C> next() {
      FutureTask<Page<T, C>> task = ahead;
      if (task == null) {
        try {
          return source.fetcher().fetch(cursor);
        } catch (Throwable t) {
          ended = true;
          throw Failures.wrap(index, "page", start, t);
        }
      }
      ahead = null;
      try {
        return task.get();
      } catch (ExecutionException e) {
        ended = true;
        throw Failures.wrap(index, "page", start, Objects.requireNonNull(e.getCause()));
      } catch (InterruptedException e) {
        ended = true;
        Thread.currentThread().interrupt();
        close();
        CancellationException c = new CancellationException("interrupted while fetching a page");
        c.initCause(e);
        throw c;
      } finally {
        joinAhead();
      }
    }

    private void startAhead(C next) {
      FutureTask<Page<T, C>> task = new FutureTask<>(() -> source.fetcher().fetch(next));
      ahead = task;
      Thread t = THREADS.newThread(task);
      aheadThread = t;
      t.start();
    }

    private void joinAhead() {
      Thread t = aheadThread;
      aheadThread = null;
      if (t == null) {
        return;
      }
      WeftThreads.joinUninterruptibly(t);
    }

    void close() {
      ended = true;
      FutureTask<Page<T, C>> task = ahead;
      ahead = null;
      if (task != null) {
        task.cancel(true);
      }
      joinAhead();
    }
  }
}
