package dev.weft.channel;

import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The receiving side of a {@link Channel}: what a consumer holds. Thread-safe; any number of
 * threads may receive at once, each element going to exactly one of them, in the order sent (among
 * the elements of one sender).
 *
 * <p>Memory consistency effects: actions in a thread before it sends an element happen-before
 * actions after the element is received in another thread.
 */
public sealed interface ReceiveChannel<T> extends Iterable<T> permits Channel {

  /**
   * Takes the next element, waiting until one is available.
   *
   * <p>Returns the element. Throws {@link ChannelClosedException} when the channel is closed and
   * every buffered element has been taken (no cause: the normal end) or when it failed (the cause);
   * {@link InterruptedException} (flag cleared, nothing taken) if interrupted, already or while
   * waiting; {@link dev.weft.task.CancelledException} (nothing taken) if the calling task is
   * cancelled while it waits; {@link dev.weft.task.DeadlineExceededException} (nothing taken) if
   * the calling task's deadline passes while it waits. An element handed over at the very moment of
   * an interrupt is returned, with the interrupt status set.
   *
   * @return the element
   * @throws InterruptedException if interrupted
   */
  T receive() throws InterruptedException;

  /**
   * Takes the next element if one is available without waiting.
   *
   * @return the element, or empty if none is available right now
   * @throws ChannelClosedException if the channel is closed and drained, or failed
   */
  Optional<T> tryReceive();

  /**
   * Takes the next element, waiting at most {@code timeout}; otherwise as {@link #receive()}.
   *
   * @param timeout how long to wait; zero or negative does not wait
   * @return the element, or empty if the timeout passed first (nothing taken)
   * @throws InterruptedException if interrupted (flag cleared, nothing taken)
   */
  Optional<T> tryReceive(Duration timeout) throws InterruptedException;

  /** {@return whether receives are over: the channel was closed and is drained, or it failed} */
  boolean isClosedForReceive();

  /**
   * {@return an iterator that receives elements until the channel is closed and drained} {@code
   * hasNext()} blocks like {@link #receive()} and returns {@code false} at the normal end; it
   * throws {@link ChannelClosedException} if the channel failed, and {@link
   * dev.weft.task.CancelledException} (with the interrupt status set again) if interrupted. Several
   * iterators share the elements, each element going to one. {@code remove()} is not supported.
   */
  @Override
  Iterator<T> iterator();

  /**
   * {@return a sequential, ordered stream of the elements received until the channel is closed and
   * drained} It behaves like {@link #iterator()}: it blocks for each element and throws what {@code
   * hasNext()} throws. Elements the stream has taken are gone from the channel even if a
   * short-circuiting operation stops early.
   */
  Stream<T> stream();

  /** {@return the channel's name, used in messages} */
  String name();
}
