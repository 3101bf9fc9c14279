package dev.weft.lincheck;

import dev.weft.flow.Permit;
import dev.weft.flow.Permits;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link Permits}' non-blocking weighted operations against {@link Spec}, what
 * its javadoc promises: {@code tryAcquire(n)} takes {@code n} permits only if they are all free; a
 * request above the limit is rejected with {@link IllegalArgumentException}, and while the limit is
 * 0 it is checked against the last limit above 0; {@code available()} goes negative when the limit
 * is lowered below what is held; a closed {@link Permit} gives back all its permits once.
 *
 * <p>Checked: {@code tryAcquire(1..3)}, {@code Permit.close()} (each thread closes its own permits,
 * as {@link Permit} requires), {@code setLimit(0..3)}, {@code available()}, {@code inUse()}, {@code
 * limit()}; model checking and stress. Not checked: the blocking {@code acquire}, {@code use},
 * {@code tryAcquire(n, Duration)} (no operation waits, so nobody is queued: {@code PermitsTest}
 * covers FIFO and the waiting paths with real threads), leak tracking (its {@code Cleaner} thread
 * is outside any scenario).
 */
public class PermitsLincheckTest {

  private final Permits permits = Permits.of(3);
  private final List<Deque<Permit>> held = Checks.perThread(ArrayDeque::new);

  @Operation
  public boolean tryAcquire(
      @Param(gen = IntGen.class, conf = "1:3") int n, @Param(gen = ThreadIdGen.class) int thread) {
    Optional<Permit> permit = permits.tryAcquire(n);
    permit.ifPresent(p -> held.get(thread).push(p));
    return permit.isPresent();
  }

  /** Closes the thread's most recent permit; {@return how many permits it gave back} */
  @Operation
  public int close(@Param(gen = ThreadIdGen.class) int thread) {
    Permit p = held.get(thread).poll();
    if (p == null) {
      return 0;
    }
    p.close();
    return p.count();
  }

  @Operation
  public void setLimit(@Param(gen = IntGen.class, conf = "0:3") int limit) {
    permits.setLimit(limit);
  }

  @Operation
  public int available() {
    return permits.available();
  }

  @Operation
  public int inUse() {
    return permits.inUse();
  }

  @Operation
  public int limit() {
    return permits.limit();
  }

  @Test
  void modelChecking() {
    Checks.model().sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    Checks.stress().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The semaphore as its javadoc describes it, one operation at a time. */
  public static final class Spec {
    private int limit = 3;
    private int lastOpenLimit = 3;
    private int inUse;
    private final List<Deque<Integer>> held = Checks.perThread(ArrayDeque::new);

    public boolean tryAcquire(int n, int thread) {
      int bound = limit == 0 ? lastOpenLimit : limit;
      if (n > bound) {
        throw new IllegalArgumentException("permits must be <= " + bound);
      }
      if (limit - inUse < n) {
        return false;
      }
      inUse += n;
      held.get(thread).push(n);
      return true;
    }

    public int close(int thread) {
      Integer n = held.get(thread).poll();
      if (n == null) {
        return 0;
      }
      inUse -= n;
      return n;
    }

    public void setLimit(int limit) {
      this.limit = limit;
      if (limit > 0) {
        lastOpenLimit = limit;
      }
    }

    public int available() {
      return limit - inUse;
    }

    public int inUse() {
      return inUse;
    }

    public int limit() {
      return limit;
    }
  }
}
