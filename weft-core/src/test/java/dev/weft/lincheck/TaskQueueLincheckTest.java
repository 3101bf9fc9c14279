package dev.weft.lincheck;

import dev.weft.queue.Overflow;
import dev.weft.queue.Priority;
import dev.weft.queue.QueueFullException;
import dev.weft.queue.TaskQueue;
import dev.weft.queue.Unstarted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link TaskQueue}'s submit and shutdown against {@link Spec}, what its javadoc
 * promises: a submit to a queue holding its capacity of waiting tasks throws {@link
 * QueueFullException} (under {@link Overflow#REJECT}), a submit after shutdown throws {@link
 * RejectedExecutionException}, and {@code shutdown} returns the tasks that never started in the
 * order they would have run (highest priority first, FIFO within one), nothing dropped silently; a
 * second shutdown returns none.
 *
 * <p>The queue is paused from the start, so no task ever starts and the waiting tasks are the whole
 * state: a task's start would happen on a worker thread the queue creates, in its own time, which
 * no sequential specification can place. Checked: {@code submit(HIGH | NORMAL | LOW)} with capacity
 * 2, {@code shutdown(Duration.ZERO)} (what {@code close()} does with a grace of zero), {@code
 * size()}; model checking and stress. Not checked: running tasks, retries, timeouts, {@link
 * Overflow#BLOCK} (a blocking submit) and {@link Overflow#DROP_OLDEST}, {@code awaitIdle} ({@code
 * TaskQueueTest} and {@code QueueGuaranteesTest} cover them with real threads).
 */
public class TaskQueueLincheckTest {

  private static final Priority[] PRIORITIES = {Priority.HIGH, Priority.NORMAL, Priority.LOW};
  static final int CAPACITY = 2;

  private final TaskQueue queue =
      TaskQueue.builder().capacity(CAPACITY).overflow(Overflow.REJECT).build();
  private final int[] submitted = new int[Checks.MAX_THREAD_ID + 1]; // per thread: names

  public TaskQueueLincheckTest() {
    queue.pause();
  }

  /** {@return "queued", "full" or "rejected"} */
  @Operation
  public String submit(
      @Param(gen = IntGen.class, conf = "0:2") int priority,
      @Param(gen = ThreadIdGen.class) int thread)
      throws InterruptedException {
    String name = "t" + thread + "-" + submitted[thread]++;
    try {
      queue.submit(PRIORITIES[priority], name, () -> name);
      return "queued";
    } catch (QueueFullException e) {
      return "full";
    } catch (RejectedExecutionException e) {
      return "rejected";
    }
  }

  /** {@return the names of the tasks that never started, in the order they would have run} */
  @Operation
  public String shutdown() {
    return queue.shutdown(Duration.ZERO).stream()
        .map(Unstarted::handle)
        .map(h -> h.name())
        .collect(Collectors.joining(","));
  }

  @Operation
  public int size() {
    return queue.size();
  }

  @Test
  void modelChecking() {
    // fewer scenarios: each submit and shutdown goes through the queue's lock and conditions,
    // which makes every interleaving long to explore
    Checks.model().iterations(4).sequentialSpecification(Spec.class).check(getClass());
  }

  @Test
  void stress() {
    Checks.stress().sequentialSpecification(Spec.class).check(getClass());
  }

  /** A paused queue as the javadoc describes it: waiting tasks by priority, then arrival. */
  public static final class Spec {
    private record Task(int priority, long seq, String name) {}

    private final List<Task> waiting = new ArrayList<>();
    private final int[] submitted = new int[Checks.MAX_THREAD_ID + 1];
    private long seq;
    private boolean shut;

    public String submit(int priority, int thread) {
      String name = "t" + thread + "-" + submitted[thread]++;
      if (shut) {
        return "rejected";
      }
      if (waiting.size() >= CAPACITY) {
        return "full";
      }
      waiting.add(new Task(priority, seq++, name));
      return "queued";
    }

    public String shutdown() {
      if (shut) {
        return "";
      }
      shut = true;
      String left =
          waiting.stream()
              .sorted(Comparator.comparingInt(Task::priority).thenComparingLong(Task::seq))
              .map(Task::name)
              .collect(Collectors.joining(","));
      waiting.clear();
      return left;
    }

    public int size() {
      return waiting.size();
    }
  }
}
