package dev.weft.lincheck;

import dev.weft.policy.CallCache;
import dev.weft.test.ManualClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link CallCache}, the single-flight cache, against {@link Spec}, what its
 * javadoc promises: {@code get(k)} returns the value cached for {@code k}, else the result of the
 * load in flight for it, else that of a new load, which is then cached; {@code invalidate(k)} drops
 * the entry, and a load in flight when its key is invalidated completes for its waiters but is not
 * cached. Each call passes a loader returning a ticket of its own, so a result tells whether the
 * call ran the load ({@code true}) or shared another call's load or cached value ({@code false}):
 * two concurrent gets of one key that both loaded, or a get after an {@code invalidate} that shared
 * a load from before it, have no sequential order. (A counter of loads would not do: loaders run on
 * the cache's threads, so their numbers follow when those threads ran, not the order of the calls.)
 *
 * <p>Checked: {@code get} and {@code invalidate} of two keys, with a time-to-live of an hour on a
 * {@link ManualClock} that never moves (nothing expires); stress only. Model checking does not work
 * here: the loader runs on a virtual thread that the cache starts, and Lincheck 3.7 on JDK 25
 * cannot follow it ("Unable to make field private final java.lang.VirtualThread
 * java.lang.VirtualThread$$Lambda.arg$1 accessible: module java.base does not opens java.lang"),
 * after which every scenario ends as "The execution has hung" at the first {@code get}. Not
 * checked: expiry, {@code maxSize} eviction, cached failures, cancellation of an abandoned load
 * ({@code CallCacheTest} covers them with real threads).
 */
public class CallCacheLincheckTest {

  private final AtomicInteger tickets = new AtomicInteger();
  private final CallCache<Integer, Integer> cache =
      CallCache.<Integer, Integer>builder()
          .ttl(Duration.ofHours(1))
          .timeSource(new ManualClock())
          .build();

  /** {@return whether this call's own loader produced the value} */
  @Operation
  public boolean get(@Param(gen = IntGen.class, conf = "1:2") int key) {
    Integer ticket = tickets.incrementAndGet();
    return cache.get(key, () -> ticket).equals(ticket);
  }

  @Operation
  public void invalidate(@Param(gen = IntGen.class, conf = "1:2") int key) {
    cache.invalidate(key);
  }

  @Test
  void stress() {
    Checks.stress()
        .iterations(20)
        .invocationsPerIteration(500)
        .sequentialSpecification(Spec.class)
        .check(getClass());
  }

  /** The cache as its javadoc describes it, one call at a time: {@code get} loads on a miss. */
  public static final class Spec {
    private final Set<Integer> cached = new HashSet<>();

    public boolean get(int key) {
      return cached.add(key);
    }

    public void invalidate(int key) {
      cached.remove(key);
    }
  }
}
