package dev.weft.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.TaskFailedException;
import dev.weft.test.Leaks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class PagesTest {

  /** A fake API: pages of 3 items over {@code total} items, cursor = the next offset as text. */
  private static Page<Integer, String> page(String cursor, int total, List<String> calls) {
    calls.add(String.valueOf(cursor));
    int from = cursor == null ? 0 : Integer.parseInt(cursor);
    List<Integer> items = new ArrayList<>();
    for (int i = from; i < Math.min(total, from + 3); i++) {
      items.add(i);
    }
    int next = from + 3;
    return next < total ? Page.of(items, String.valueOf(next)) : Page.last(items);
  }

  @Test
  void cursorPagesStopWhenTheApiSaysThereIsNoMore() {
    List<String> calls = new ArrayList<>();
    List<Integer> items = Pages.<Integer, String>byCursor(c -> page(c, 8, calls)).items().toList();
    assertThat(items).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(calls).containsExactly("null", "3", "6");
  }

  @Test
  void pagesAreFetchedLazily() {
    List<String> calls = new ArrayList<>();
    List<Integer> firstFour =
        Pages.<Integer, String>byCursor(c -> page(c, 100, calls)).items().limit(4).toList();
    assertThat(firstFour).containsExactly(0, 1, 2, 3);
    assertThat(calls).containsExactly("null", "3");
  }

  @Test
  void numberedPagesStopAtTheFirstEmptyPage() {
    List<Integer> asked = new ArrayList<>();
    List<List<String>> pages =
        Pages.<String>byNumber(
                1,
                n -> {
                  asked.add(n);
                  return n <= 2 ? List.of("p" + n + "a", "p" + n + "b") : List.of();
                })
            .pages()
            .toList();
    assertThat(pages).containsExactly(List.of("p1a", "p1b"), List.of("p2a", "p2b"));
    assertThat(asked).containsExactly(1, 2, 3);
  }

  @Test
  void anEmptyFirstPageMakesAnEmptyStream() {
    assertThat(Pages.<String>byNumber(0, n -> List.of()).items().toList()).isEmpty();
    assertThat(Pages.<String, String>byCursor(c -> Page.last(List.of())).items().toList())
        .isEmpty();
  }

  @Test
  void aFailureMidWayEndsTheStreamAfterThePagesBeforeIt() {
    List<Integer> seen = new ArrayList<>();
    assertThatThrownBy(() ->
            Pages.<Integer>byNumber(
                    0,
                    n -> {
                      if (n == 2) {
                        throw new IOException("503 from the API");
                      }
                      return List.of(n);
                    })
                .items()
                .forEach(seen::add))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageStartingWith("task #2 'page' failed after ")
        .hasMessageEndingWith(": java.io.IOException: 503 from the API");
    assertThat(seen).containsExactly(0, 1);
  }

  @Test
  void aCursorThatDoesNotMoveIsRejectedInsteadOfLoopingForever() {
    assertThatThrownBy(() ->
            Pages.<Integer, String>byCursor(c -> Page.of(List.of(1), "same")).items().toList())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("page #1 returned the cursor it was fetched with (same)");
  }

  @RepeatedTest(10)
  void prefetchFetchesTheNextPageWhileTheCurrentOneIsProcessed() throws Throwable {
    // page 1 can only be fetched while page 0 is still being processed: without prefetch, deadlock.
    CountDownLatch page1Fetched = new CountDownLatch(1);
    List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    Leaks.assertNoLeaks(() -> {
      try (Stream<Integer> items =
          Pages.<Integer>byNumber(
                  0,
                  n -> {
                    if (n == 1) {
                      page1Fetched.countDown();
                    }
                    return n < 3 ? List.of(n) : List.of();
                  })
              .prefetch()
              .items()) {
        items.forEach(i -> {
          if (i == 0) {
            try {
              page1Fetched.await();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          }
          seen.add(i);
        });
      }
    });
    assertThat(seen).containsExactly(0, 1, 2);
  }

  @Test
  void closingAPrefetchingStreamCancelsTheFetchInFlight() throws Throwable {
    AtomicInteger interrupted = new AtomicInteger();
    CountDownLatch fetching = new CountDownLatch(1);
    Leaks.assertNoLeaks(() -> {
      try (Stream<Integer> items =
          Pages.<Integer>byNumber(
                  0,
                  n -> {
                    if (n == 0) {
                      return List.of(0);
                    }
                    fetching.countDown();
                    try {
                      new CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                      interrupted.incrementAndGet();
                      throw e;
                    }
                    return List.of();
                  })
              .prefetch()
              .items()) {
        assertThat(items.findFirst()).contains(0);
        fetching.await();
      }
    });
    assertThat(interrupted.get()).isEqualTo(1);
  }

  @Test
  void prefetchDeliversAFailureMidWay() {
    assertThatThrownBy(
            () -> {
              try (Stream<Integer> s =
                  Pages.<Integer>byNumber(
                          0,
                          n -> {
                            if (n == 1) {
                              throw new IllegalStateException("boom on 1");
                            }
                            return List.of(n);
                          })
                      .prefetch()
                      .items()) {
                s.toList();
              }
            })
        .hasMessage("boom on 1");
  }
}
