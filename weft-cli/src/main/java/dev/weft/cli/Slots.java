package dev.weft.cli;

import java.util.BitSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The job slots of {@code -j N}: at most N jobs hold one at a time, and each gets the lowest free
 * slot number (GNU parallel's {@code {%}}, 1-based). Thread-safe. Memory consistency effects:
 * actions before {@link #release} happen-before actions after the next {@link #acquire} that gets
 * the slot.
 */
final class Slots {

  private final int size;
  private final BitSet taken;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition freed = lock.newCondition();

  Slots(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1, was " + size);
    }
    this.size = size;
    this.taken = new BitSet(size);
  }

  /**
   * {@return the lowest free slot, waiting while all are taken}
   *
   * @throws InterruptedException if interrupted while waiting (flag cleared; no slot taken)
   */
  int acquire() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      int s;
      while ((s = taken.nextClearBit(0)) >= size) {
        freed.await();
      }
      taken.set(s);
      return s + 1;
    } finally {
      lock.unlock();
    }
  }

  /** Gives back {@code slot}, as returned by {@link #acquire}. */
  void release(int slot) {
    lock.lock();
    try {
      taken.clear(slot - 1);
      freed.signal();
    } finally {
      lock.unlock();
    }
  }

  /** {@return the number of slots taken} */
  int inUse() {
    lock.lock();
    try {
      return taken.cardinality();
    } finally {
      lock.unlock();
    }
  }
}
