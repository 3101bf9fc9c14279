package dev.weft.channel;

import java.util.Objects;

/**
 * A channel passes elements from senders to receivers, each element to exactly one receiver, in the
 * order sent: Go's {@code chan} and Kotlin's {@code Channel} on blocking code. Three kinds:
 *
 * <ul>
 *   <li>{@linkplain #rendezvous() rendezvous} (capacity 0): a send waits until a receiver takes the
 *       element, and a receive waits for a sender;
 *   <li>{@linkplain #buffered(int) buffered} (capacity <i>n</i>): a send waits only while <i>n</i>
 *       elements are buffered; the backpressure of a bounded queue;
 *   <li>{@linkplain #unlimited() unlimited}: a send never waits (memory is the only bound).
 * </ul>
 *
 * <p>Thread-safe: any number of threads send and receive at once. Blocking calls park the thread (a
 * virtual thread unmounts), are interruptible, and honour the calling task's cancellation and
 * deadline ({@link dev.weft.task.TaskContext}); no lock is held while a call waits. A cancellation
 * that also interrupts the thread, as a scope's does when it cancels its forks, may surface as
 * {@link InterruptedException} rather than {@link dev.weft.task.CancelledException}, whichever the
 * call sees first; either way nothing was sent or taken. {@link #close()} ends the stream after
 * what is buffered; {@link #error(Throwable)} fails it at once. Waiting senders and receivers are
 * served in arrival order. {@link Select} waits on several channels at once.
 *
 * <p>Memory consistency effects: actions in a thread before it sends an element happen-before
 * actions after that element is received in another thread; actions before {@code close} or {@code
 * error} happen-before a receiver sees the end or the failure.
 *
 * {@snippet :
 * Channel<Job> jobs = Channel.buffered(16);
 * try (var scope = Scope.open()) {
 *   for (int i = 0; i < 4; i++) {
 *     scope.fork(() -> { for (Job job : jobs) job.run(); return null; });  // a worker pool
 *   }
 *   for (Job job : load()) jobs.send(job);   // waits while 16 are queued
 *   jobs.close();                            // workers drain, then their loops end
 *   scope.join();
 * }
 * }
 *
 * @param <T> the element type (null elements are rejected)
 */
public sealed interface Channel<T> extends SendChannel<T>, ReceiveChannel<T> permits ChannelImpl {

  /** {@return a new rendezvous channel (capacity 0) named "channel"} */
  static <T> Channel<T> rendezvous() {
    return new ChannelImpl<>("channel", 0);
  }

  /**
   * {@return a new channel buffering up to {@code capacity} elements, named "channel"} A capacity
   * of 0 makes a rendezvous channel.
   *
   * @throws IllegalArgumentException if {@code capacity < 0}
   */
  static <T> Channel<T> buffered(int capacity) {
    return buffered("channel", capacity);
  }

  /**
   * {@return a new channel named {@code name} buffering up to {@code capacity} elements}
   *
   * @param name the name used in messages
   * @param capacity the buffer size, {@code >= 0} (0: rendezvous)
   * @throws IllegalArgumentException if {@code capacity < 0}
   */
  static <T> Channel<T> buffered(String name, int capacity) {
    Objects.requireNonNull(name, "name");
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0, was " + capacity);
    }
    return new ChannelImpl<>(name, capacity);
  }

  /** {@return a new channel whose sends never wait, named "channel"} */
  static <T> Channel<T> unlimited() {
    return unlimited("channel");
  }

  /** {@return a new channel named {@code name} whose sends never wait} */
  static <T> Channel<T> unlimited(String name) {
    return new ChannelImpl<>(Objects.requireNonNull(name, "name"), ChannelImpl.UNLIMITED);
  }

  /** {@return the capacity: 0 for rendezvous, {@code Integer.MAX_VALUE} for unlimited} */
  int capacity();

  /** {@return how many elements are buffered right now (a snapshot; always 0 for rendezvous)} */
  int size();
}
