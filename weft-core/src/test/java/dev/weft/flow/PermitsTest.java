package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.observe.Event;
import dev.weft.test.ManualClock;
import dev.weft.testing.Run;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PermitsTest {

  private final ManualClock clock = new ManualClock();

  private Permits permits(int n) {
    return Permits.builder().name("db").permits(n).timeSource(clock).build();
  }

  @Test
  void useReleasesOnEveryPath() throws Exception {
    Permits db = permits(2);
    assertThat(db.use(() -> db.inUse())).isEqualTo(1);
    assertThat(db.use(2, () -> db.available())).isZero();
    assertThatThrownBy(() ->
            db.use(() -> {
              throw new java.io.IOException("down");
            }))
        .isInstanceOf(java.io.IOException.class);
    assertThat(db.inUse()).isZero();
    assertThat(db.available()).isEqualTo(2);
  }

  @Test
  void tryUseGivesUpWhenTheTimePassesAndDoesNotRun() throws Throwable {
    Permits db = permits(1);
    Permit held = db.acquire();
    List<Optional<String>> got = new CopyOnWriteArrayList<>();
    Run r = Run.start("try", () -> got.add(db.tryUse(Duration.ofSeconds(2), () -> "ran")));
    clock.awaitParked(1);
    clock.advance(Duration.ofSeconds(2));
    r.join();
    assertThat(got).containsExactly(Optional.empty());
    held.close();
    assertThat(db.tryUse(Duration.ZERO, () -> "ran")).contains("ran");
  }

  @Test
  void weightedWaitersAreServedInOrderAndSmallOnesDoNotBarge() throws Throwable {
    Permits db = permits(5);
    Permit three = db.acquire(3);
    List<String> order = new CopyOnWriteArrayList<>();
    Run big = Run.start("big", () -> db.use(5, () -> order.add("big"))); // all five: serial
    clock.awaitParked(1);
    assertThat(db.tryAcquire(1)).as("2 are free but a waiter is first").isEmpty();
    Run small = Run.start("small", () -> db.use(1, () -> order.add("small")));
    clock.awaitParked(2);
    three.close();
    big.join();
    small.join();
    assertThat(order).containsExactly("big", "small");
    assertThat(db.available()).isEqualTo(5);
  }

  @Test
  void aBigHeadThatTimesOutLetsSmallerWaitersIn() throws Throwable {
    Permits db = permits(4);
    Permit three = db.acquire(3);
    Run big = Run.start("big", () -> assertThat(db.tryAcquire(4, Duration.ofSeconds(1))).isEmpty());
    clock.awaitParked(1);
    Run small = Run.start("small", () -> db.use(1, () -> null));
    clock.awaitParked(2);
    clock.advance(Duration.ofSeconds(1));
    big.join();
    small.join();
    three.close();
    assertThat(db.available()).isEqualTo(4);
  }

  @Test
  void requestsAreValidatedWithMessages() {
    Permits db = permits(3);
    assertThatThrownBy(() -> db.acquire(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be <= the limit 3 of 'db', was 4");
    assertThatThrownBy(() -> db.tryAcquire(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be >= 1, was 0");
    assertThatThrownBy(() -> Permits.of(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be >= 1, was 0");
  }

  @Test
  void unreleasedListsHandAcquiredPermitsWithTheirStack() throws Exception {
    Permits db = Permits.builder().name("db").permits(3).trackLeaks(true).build();
    Permit p = db.acquire(2);
    db.use(() -> assertThat(db.unreleased()).hasSize(1));
    Permits.HeldPermit held = db.unreleased().getFirst();
    assertThat(held.permits()).isEqualTo(2);
    assertThat(held.thread()).isEqualTo(Thread.currentThread().getName());
    assertThat(held.acquiredAt().getStackTrace())
        .anySatisfy(e ->
            assertThat(e.getMethodName())
                .isEqualTo("unreleasedListsHandAcquiredPermitsWithTheirStack"));
    p.close();
    p.close();
    assertThat(db.unreleased()).isEmpty();
    assertThat(db.available()).isEqualTo(3);
  }

  @Test
  void untrackedPermitsReportNothing() throws Exception {
    Permits db = Permits.builder().permits(1).trackLeaks(false).build();
    try (Permit p = db.acquire()) {
      assertThat(p.count()).isEqualTo(1);
      assertThat(db.unreleased()).isEmpty();
    }
  }

  @Test
  void aLeakedPermitIsReportedWithItsStackAndGivenBack() throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    CountDownLatch reported = new CountDownLatch(1);
    Permits db =
        Permits.builder()
            .name("leaky")
            .permits(2)
            .trackLeaks(true)
            .listener(e -> {
              events.add(e);
              reported.countDown();
            })
            .build();
    leakOne(db);
    // wait for the collector: a signal, not a sleep; bounded so a broken cleaner fails the test
    for (int i = 0; i < 200 && reported.getCount() > 0; i++) {
      System.gc();
      reported.await(50, TimeUnit.MILLISECONDS);
    }
    assertThat(events)
        .singleElement()
        .isInstanceOfSatisfying(
            FlowEvent.PermitLeaked.class,
            e -> {
              assertThat(e.source()).isEqualTo("leaky");
              assertThat(e.permits()).isEqualTo(1);
              assertThat(e.acquiredAt().getStackTrace())
                  .anySatisfy(s -> assertThat(s.getMethodName()).isEqualTo("leakOne"));
            });
    assertThat(db.available()).isEqualTo(2);
    assertThat(db.unreleased()).isEmpty();
  }

  private static void leakOne(Permits db) throws InterruptedException {
    db.acquire(); // dropped without close
  }

  @Test
  void interruptedWhileWaitingHoldsNothing() throws Throwable {
    Permits db = permits(1);
    Permit held = db.acquire();
    Run r = Run.start("w", () -> db.acquire());
    clock.awaitParked(1);
    r.thread().interrupt();
    assertThat(r.failure()).isInstanceOf(InterruptedException.class);
    assertThat(db.waiting()).isZero();
    held.close();
    assertThat(db.available()).isEqualTo(1);
  }

  @Test
  void anInterruptBeforeTheCallThrowsAtOnce() {
    Permits db = permits(1);
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> db.use(() -> null)).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
    assertThat(db.available()).isEqualTo(1);
  }

  @Test
  void aLimitOfZeroPausesAdmissionUntilTheLimitIsRaised() throws Throwable {
    Permits db = permits(3);
    db.setLimit(0);
    List<String> ran = new CopyOnWriteArrayList<>();
    Run one = Run.start("one", () -> db.use(() -> ran.add("one")));
    clock.awaitParked(1);
    Run three = Run.start("three", () -> db.use(3, () -> ran.add("three")));
    clock.awaitParked(2);
    assertThat(db.tryAcquire()).isEmpty();
    assertThat(db.tryUse(Duration.ZERO, () -> "ran")).isEmpty();
    assertThat(ran).isEmpty();
    assertThat(db.waiting()).isEqualTo(2);
    db.setLimit(3);
    one.join();
    three.join();
    assertThat(ran).containsExactly("one", "three");
    assertThat(db.available()).isEqualTo(3);
  }

  @Test
  void whilePausedRequestsAreCheckedAgainstTheLastLimitAboveZero() {
    Permits db = permits(3);
    db.setLimit(0);
    assertThatThrownBy(() -> db.acquire(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be <= 3, the limit of 'db' before it was paused at 0, was 4");
    db.setLimit(5);
    db.setLimit(0);
    assertThat(db.tryAcquire(5)).isEmpty();
    assertThatThrownBy(() -> db.tryAcquire(6))
        .hasMessage("permits must be <= 5, the limit of 'db' before it was paused at 0, was 6");
  }
}
