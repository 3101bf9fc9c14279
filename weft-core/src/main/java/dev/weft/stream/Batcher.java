package dev.weft.stream;

import dev.weft.time.TimeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Gatherer;

/**
 * The gatherer behind {@link Gather#batch}: groups elements into lists of {@code size}, closing a
 * batch early when {@code maxWait} has passed since its first element. Sequential; state belongs to
 * the stream's thread.
 */
final class Batcher<T> {

  private final int size;
  private final long maxWaitNanos;
  private final TimeSource time;

  Batcher(int size, long maxWaitNanos, TimeSource time) {
    this.size = size;
    this.maxWaitNanos = maxWaitNanos;
    this.time = time;
  }

  private final class State {
    List<T> batch = new ArrayList<>();
    long openedAt;

    boolean add(T element, Gatherer.Downstream<? super List<T>> downstream) {
      if (!batch.isEmpty() && time.read() - openedAt >= maxWaitNanos) {
        if (!flush(downstream)) {
          return false;
        }
      }
      if (batch.isEmpty()) {
        openedAt = time.read();
      }
      batch.add(element);
      return batch.size() < size || flush(downstream);
    }

    boolean flush(Gatherer.Downstream<? super List<T>> downstream) {
      List<T> full = Collections.unmodifiableList(batch);
      batch = new ArrayList<>(Math.min(size, 1024));
      return downstream.push(full);
    }

    void finish(Gatherer.Downstream<? super List<T>> downstream) {
      if (!batch.isEmpty() && !downstream.isRejecting()) {
        flush(downstream);
      }
    }
  }

  Gatherer<T, ?, List<T>> gatherer() {
    return Gatherer.<T, State, List<T>>ofSequential(
        State::new, Gatherer.Integrator.<State, T, List<T>>ofGreedy(State::add), State::finish);
  }
}
