package dev.weft.stream;

import dev.weft.task.Fork;
import dev.weft.task.Scope;
import dev.weft.task.TaskFunction;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
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
 * <p><b>Prefetch.</b> With {@link #prefetch()}, the next page is fetched while the current one is
 * processed, so the consumer waits only for the slower of the two. Each prefetch is the one fork of
 * a {@link dev.weft.task.Scope} that the consuming thread opens, so the fetch sees the consumer's
 * {@link dev.weft.task.TaskContext} (deadline, cancellation token) and propagated context. Waiting
 * for a prefetched page throws what {@link dev.weft.task.Scope#join()} throws: the fetch's failure
 * (as above), {@link dev.weft.task.CancelledException} if the enclosing task is cancelled or the
 * consumer is interrupted while it waits (the interrupt flag is set again), {@link
 * dev.weft.task.DeadlineExceededException} if the deadline passes. Closing the stream
 * (try-with-resources) on the consuming thread cancels a prefetch in flight and waits for it;
 * closing it from another thread cancels the prefetch without waiting; a stream dropped without
 * closing lets at most that one fetch run to its end.
 *
 * <p>Immutable and thread-safe; each call to {@link #pages()} or {@link #items()} makes a new
 * stream that starts from the first page. The streams themselves are sequential and single-use, as
 * every stream.
 *
 * @param <T> the item type
 */
public final class Pages<T> {

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
   * Walks the pages. Belongs to the stream's thread; a prefetch is the one fork of its own scope,
   * opened by that thread when the page before it arrives and closed when the page is taken (or the
   * stream is closed).
   */
  private static final class Walker<T, C> extends Spliterators.AbstractSpliterator<List<T>> {
    private final Source<T, C> source;
    private final boolean prefetch;
    private @Nullable C cursor;
    private long index;
    private final long start = Failures.start();
    private boolean ended;
    private @Nullable Scope aheadScope;
    private @Nullable Fork<Page<T, C>> ahead;
    private @Nullable Thread consumer; // the thread that opened aheadScope

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
      Scope scope = aheadScope;
      Fork<Page<T, C>> fork = ahead;
      if (scope == null || fork == null) {
        try {
          return source.fetcher().fetch(cursor);
        } catch (Throwable t) {
          ended = true;
          throw Failures.wrap(index, "page", start, t);
        }
      }
      aheadScope = null;
      ahead = null;
      try (scope) {
        scope.join();
        return fork.get();
      } catch (Throwable t) {
        ended = true;
        throw t;
      }
    }

    private void startAhead(C next) {
      long number = index;
      Scope scope = Scope.builder().name("Pages prefetch").open();
      aheadScope = scope;
      consumer = Thread.currentThread();
      ahead =
          scope.fork(() -> {
            try {
              return source.fetcher().fetch(next);
            } catch (Exception e) {
              throw Failures.wrap(number, "page", start, e);
            }
          });
    }

    @SuppressWarnings("ReferenceEquality") // identity is meant: the consuming thread
    void close() {
      ended = true;
      Scope scope = aheadScope;
      aheadScope = null;
      ahead = null;
      if (scope == null) {
        return;
      }
      if (Thread.currentThread() == consumer) {
        scope.close();
      } else {
        scope.cancel(); // only the consuming thread may wait for the fetch
      }
    }
  }
}
