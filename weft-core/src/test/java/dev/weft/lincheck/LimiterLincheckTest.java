package dev.weft.lincheck;

import dev.weft.flow.Limiter;
import dev.weft.flow.Permit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link Limiter}'s non-blocking operations against {@link Spec}, what its
 * javadoc promises: at most {@code limit} permits are held at once; {@code tryAcquire} takes one
 * only if one is free; closing a {@link Permit} gives it back, closing it again does nothing;
 * {@code setLimit} raises or lowers the limit, and permits held above a lowered limit drain as they
 * are closed; {@code activeCount} is the number held.
 *
 * <p>Checked: {@code tryAcquire()}, {@code Permit.close()} (each thread closes only permits it
 * acquired, as {@link Permit} requires: two threads closing the same permit at once are outside its
 * contract), closing a closed permit again, {@code setLimit(0..3)}, {@code activeCount()}, {@code
 * limit()}; model checking and stress. Not checked: the blocking {@code acquire}, {@code call},
 * {@code tryAcquire(Duration)} and {@code clearPending} (no operation here ever waits, so nobody is
 * queued and FIFO order is not exercised: {@code LimiterTest} covers the waiting paths with real
 * threads), listeners.
 */
public class LimiterLincheckTest {

  private final Limiter limiter = Limiter.of(2);
  // one slot per thread id (the threads of the parallel part, and the sequential parts): a thread
  // touches only its own slot, so the test's bookkeeping adds no shared state
  private final List<Deque<Permit>> held = Checks.perThread(ArrayDeque::new);
  private final Permit[] closed = new Permit[Checks.MAX_THREAD_ID + 1];

  @Operation
  public boolean tryAcquire(@Param(gen = ThreadIdGen.class) int thread) {
    Optional<Permit> permit = limiter.tryAcquire();
    permit.ifPresent(p -> held.get(thread).push(p));
    return permit.isPresent();
  }

  /** Closes the thread's most recent permit; {@return whether it had one} */
  @Operation
  public boolean close(@Param(gen = ThreadIdGen.class) int thread) {
    Permit p = held.get(thread).poll();
    if (p == null) {
      return false;
    }
    p.close();
    closed[thread] = p;
    return true;
  }

  /** Closes the thread's last closed permit again: must release nothing. */
  @Operation
  public boolean closeAgain(@Param(gen = ThreadIdGen.class) int thread) {
    Permit p = closed[thread];
    if (p == null) {
      return false;
    }
    p.close();
    return p.isReleased();
  }

  @Operation
  public void setLimit(@Param(gen = IntGen.class, conf = "0:3") int limit) {
    limiter.setLimit(limit);
  }

  @Operation
  public int activeCount() {
    return limiter.activeCount();
  }

  @Operation
  public int limit() {
    return limiter.limit();
  }

  @Test
  void modelChecking() {
    Checks.model().sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    Checks.stress().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The limiter as its javadoc describes it, one operation at a time. */
  public static final class Spec {
    private int limit = 2;
    private int inUse;
    private final Map<Integer, Integer> held = new HashMap<>();
    private final Map<Integer, Boolean> closedOne = new HashMap<>();

    public boolean tryAcquire(int thread) {
      if (inUse >= limit) {
        return false;
      }
      inUse++;
      held.merge(thread, 1, Integer::sum);
      return true;
    }

    public boolean close(int thread) {
      if (held.getOrDefault(thread, 0) == 0) {
        return false;
      }
      held.merge(thread, -1, Integer::sum);
      inUse--;
      closedOne.put(thread, true);
      return true;
    }

    public boolean closeAgain(int thread) {
      return closedOne.getOrDefault(thread, false);
    }

    public void setLimit(int limit) {
      this.limit = limit;
    }

    public int activeCount() {
      return inUse;
    }

    public int limit() {
      return limit;
    }
  }
}
