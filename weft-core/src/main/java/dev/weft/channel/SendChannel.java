package dev.weft.channel;

import java.time.Duration;
import java.util.Optional;

/**
 * The sending side of a {@link Channel}: what a producer holds. Thread-safe; any number of threads
 * may send at once.
 *
 * <p>Memory consistency effects: actions in a thread before it sends an element happen-before
 * actions after the element is received in another thread; actions before {@link #close()} or
 * {@link #error(Throwable)} happen-before a receiver sees the end.
 */
public sealed interface SendChannel<T> permits Channel {

  /**
   * Sends {@code element}, waiting while the channel has no room: for a rendezvous channel, until a
   * receiver takes it; for a buffered one, until the buffer has room; an unlimited channel never
   * waits.
   *
   * <p>Returns once the element is in the buffer or taken by a receiver. Throws {@link
   * ChannelClosedException} (element not sent) if the channel is closed or failed, already or while
   * waiting; {@link InterruptedException} (flag cleared, element not sent) if interrupted, already
   * or while waiting; {@link dev.weft.task.CancelledException} (element not sent) if the calling
   * task is cancelled while it waits; {@link dev.weft.task.DeadlineExceededException} (element not
   * sent) if the calling task's deadline passes while it waits. A send that completes at the very
   * moment it is interrupted returns normally with the interrupt status set.
   *
   * @param element the element, not null
   * @throws InterruptedException if interrupted
   * @throws NullPointerException if {@code element} is null
   */
  void send(T element) throws InterruptedException;

  /**
   * Sends {@code element} if that is possible without waiting: a receiver waits, or the buffer has
   * room.
   *
   * @param element the element, not null
   * @return {@code true} if sent, {@code false} if the channel has no room right now
   * @throws ChannelClosedException if the channel is closed or failed
   */
  boolean trySend(T element);

  /**
   * Sends {@code element}, waiting at most {@code timeout} for room; otherwise as {@link
   * #send(Object)}.
   *
   * @param element the element, not null
   * @param timeout how long to wait; zero or negative does not wait
   * @return {@code true} if sent, {@code false} if the timeout passed first (element not sent)
   * @throws InterruptedException if interrupted (flag cleared, element not sent)
   */
  boolean trySend(T element, Duration timeout) throws InterruptedException;

  /**
   * Closes the channel normally: later sends throw {@link ChannelClosedException}, senders waiting
   * now are woken with it (their elements are not sent), and receivers take what is buffered, then
   * see the end ({@link ReceiveChannel#receive()} throws {@link ChannelClosedException} without a
   * cause, iteration ends). Never blocks.
   *
   * @return {@code true} if this call closed the channel, {@code false} if it was already closed
   */
  boolean close();

  /**
   * Closes the channel with a failure: buffered elements are discarded, and every waiting and later
   * send and receive throws {@link ChannelClosedException} with {@code cause} as its cause. Never
   * blocks.
   *
   * @param cause why the channel failed
   * @return {@code true} if this call closed the channel, {@code false} if it was already closed
   */
  boolean error(Throwable cause);

  /** {@return whether sends are refused: the channel was closed or failed} */
  boolean isClosedForSend();

  /** {@return the failure the channel was closed with, empty while open or if closed normally} */
  Optional<Throwable> failure();

  /** {@return the channel's name, used in messages} */
  String name();
}
