package dev.weft.channel;

import dev.weft.task.CancelledException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The one implementation of {@link Channel}, for every capacity.
 *
 * <p>Overview for maintainers. One {@link ReentrantLock} per channel guards the buffer, the two
 * wait queues and the closed state; it is held only for a few field writes and is never held while
 * a thread waits or while user code runs. Invariants, under the lock:
 *
 * <ul>
 *   <li>a receiver waits (a live node in {@link #receivers}) only while the buffer is empty and the
 *       channel is open; a sender waits only while the buffer holds {@link #capacity} elements and
 *       the channel is open;
 *   <li>once closed, no node is queued: {@code close} and {@code error} complete every waiter with
 *       the {@link Closed} marker, and nothing queues after.
 * </ul>
 *
 * A blocked call is a {@link Waiter} whose state one CAS decides. A completer (a sender finding a
 * queued receiver, a receiver finding a queued sender, a closer) polls a node, writes what it hands
 * over into the node, and then tries that CAS: if it wins, the hand-over happened; if it loses (the
 * waiter gave up, or a select's other clause won), the node is dropped and the completer tries the
 * next one, its element untouched. A waiter that gives up by winning the CAS itself unlinks its
 * node under the lock; a waiter that loses its give-up CAS takes what it was handed. So an element
 * is never lost or duplicated by a race with a timeout, interrupt or select.
 *
 * <p>{@link Select} locks all its channels at once, in the order of their {@link #id} (so two
 * selects cannot deadlock), looks for a ready clause, and otherwise queues one node per clause, all
 * on one waiter, before unlocking: while it holds the locks nobody can complete its waiter, so it
 * needs no state for "registering". Single-channel calls take one lock and never wait for another.
 */
@SuppressWarnings("ReferenceEquality") // markers (EMPTY, FULL, OFFERED) are compared by identity
final class ChannelImpl<T> implements Channel<T> {

  static final int UNLIMITED = Integer.MAX_VALUE;

  /** {@link #pollLocked()}: nothing to take. */
  static final Object EMPTY = new Object();

  /** {@link #offerLocked(Object)}: no room. */
  static final Object FULL = new Object();

  /** {@link #offerLocked(Object)}: sent. */
  static final Object OFFERED = new Object();

  /** {@link #receiveInternal}: the timeout passed. */
  private static final Object TIMED_OUT = new Object();

  // the order in which a select locks channels; a counter, not an identity hash, so ties are
  // impossible
  private static final AtomicLong IDS = new AtomicLong();

  final long id = IDS.incrementAndGet();
  final ReentrantLock lock = new ReentrantLock();
  final WaitQueue senders = new WaitQueue(); // guarded by lock
  final WaitQueue receivers = new WaitQueue(); // guarded by lock
  private final String name;
  private final int capacity;
  private final ArrayDeque<Object> buffer; // guarded by lock
  private volatile @Nullable Closed closed; // written under lock

  ChannelImpl(String name, int capacity) {
    this.name = name;
    this.capacity = capacity;
    this.buffer = new ArrayDeque<>(capacity == UNLIMITED ? 16 : Math.min(capacity, 1024));
  }

  // ---- operations under the lock (also used by Select) ----

  /**
   * Takes an element: from the buffer (then moving the first waiting sender's element in), else
   * from a waiting sender. {@return the element, the {@link Closed} state when closed and drained,
   * or {@link #EMPTY}}
   */
  Object pollLocked() {
    Node s;
    if (!buffer.isEmpty()) {
      Object x = buffer.poll();
      while ((s = senders.poll()) != null) {
        Object y = Objects.requireNonNull(s.item);
        if (s.waiter.tryWin(s.clause)) {
          buffer.add(y);
          break;
        }
      }
      return x;
    }
    while ((s = senders.poll()) != null) {
      Object y = Objects.requireNonNull(s.item);
      if (s.waiter.tryWin(s.clause)) {
        return y;
      }
    }
    Closed c = closed;
    return c != null ? c : EMPTY;
  }

  /**
   * Offers {@code x}: to the first waiting receiver, else into the buffer. {@return {@link
   * #OFFERED}, {@link #FULL}, or the {@link Closed} state}
   */
  Object offerLocked(Object x) {
    Closed c = closed;
    if (c != null) {
      return c;
    }
    Node r;
    while ((r = receivers.poll()) != null) {
      r.item = x;
      if (r.waiter.tryWin(r.clause)) {
        return OFFERED;
      }
      r.item = null;
    }
    if (buffer.size() < capacity) {
      buffer.add(x);
      return OFFERED;
    }
    return FULL;
  }

  /** Unlinks {@code node} if it is still queued (its waiter gave up, or another clause won). */
  void dequeue(Node node, boolean sender) {
    lock.lock();
    try {
      (sender ? senders : receivers).remove(node);
    } finally {
      lock.unlock();
    }
  }

  // ---- sending ----

  @Override
  public void send(T element) throws InterruptedException {
    sendInternal(element, null);
  }

  @Override
  public boolean trySend(T element) {
    Objects.requireNonNull(element, "element");
    Object r;
    lock.lock();
    try {
      r = offerLocked(element);
    } finally {
      lock.unlock();
    }
    if (r instanceof Closed c) {
      throw c.forSend(name);
    }
    return r == OFFERED;
  }

  @Override
  public boolean trySend(T element, Duration timeout) throws InterruptedException {
    return sendInternal(element, Objects.requireNonNull(timeout, "timeout"));
  }

  private boolean sendInternal(T element, @Nullable Duration timeout) throws InterruptedException {
    Objects.requireNonNull(element, "element");
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Waiter waiter;
    Node node;
    lock.lock();
    try {
      Object r = offerLocked(element);
      if (r == OFFERED) {
        return true;
      }
      if (r instanceof Closed c) {
        throw c.forSend(name);
      }
      waiter = new Waiter(Thread.currentThread());
      node = new Node(waiter, 0, this, element);
      senders.add(node);
    } finally {
      lock.unlock();
    }
    int s;
    try {
      s = Waits.await(waiter, timeout);
    } catch (InterruptedException | RuntimeException e) {
      dequeue(node, true);
      throw e;
    }
    if (s == 0) {
      if (node.item instanceof Closed c) {
        throw c.forSend(name);
      }
      return true;
    }
    dequeue(node, true);
    if (s == Waiter.DEADLINE) {
      throw Waits.deadlineExceeded("send to channel '" + name + "'");
    }
    return false;
  }

  // ---- receiving ----

  @Override
  public T receive() throws InterruptedException {
    return element(receiveInternal(null, false));
  }

  @Override
  public Optional<T> tryReceive() {
    Object r;
    lock.lock();
    try {
      r = pollLocked();
    } finally {
      lock.unlock();
    }
    if (r == EMPTY) {
      return Optional.empty();
    }
    return Optional.of(element(r));
  }

  @Override
  public Optional<T> tryReceive(Duration timeout) throws InterruptedException {
    Object r = receiveInternal(Objects.requireNonNull(timeout, "timeout"), false);
    return r == TIMED_OUT ? Optional.empty() : Optional.of(element(r));
  }

  /** {@return {@code r} as an element, throwing if it is the closed state} */
  private T element(Object r) {
    if (r instanceof Closed c) {
      throw c.forReceive(name);
    }
    @SuppressWarnings("unchecked")
    T t = (T) r;
    return t;
  }

  /**
   * Receives: {@return an element, {@link #TIMED_OUT}, or (only when {@code endAsValue}) the {@link
   * Closed} state of a normal end}, throwing for a failed channel when {@code endAsValue}
   */
  private Object receiveInternal(@Nullable Duration timeout, boolean endAsValue)
      throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Waiter waiter;
    Node node;
    lock.lock();
    try {
      Object r = pollLocked();
      if (r != EMPTY) {
        return endAsValue ? endOrElement(r) : r;
      }
      waiter = new Waiter(Thread.currentThread());
      node = new Node(waiter, 0, this, null);
      receivers.add(node);
    } finally {
      lock.unlock();
    }
    int s;
    try {
      s = Waits.await(waiter, timeout);
    } catch (InterruptedException | RuntimeException e) {
      dequeue(node, false);
      throw e;
    }
    if (s == 0) {
      Object item = Objects.requireNonNull(node.item);
      return endAsValue ? endOrElement(item) : item;
    }
    dequeue(node, false);
    if (s == Waiter.DEADLINE) {
      throw Waits.deadlineExceeded("receive from channel '" + name + "'");
    }
    return TIMED_OUT;
  }

  private Object endOrElement(Object r) {
    if (r instanceof Closed c && c.cause != null) {
      throw c.forReceive(name);
    }
    return r;
  }

  // ---- closing ----

  @Override
  public boolean close() {
    return closeWith(new Closed(null));
  }

  @Override
  public boolean error(Throwable cause) {
    return closeWith(new Closed(Objects.requireNonNull(cause, "cause")));
  }

  private boolean closeWith(Closed c) {
    lock.lock();
    try {
      if (closed != null) {
        return false;
      }
      closed = c;
      if (c.cause != null) {
        buffer.clear();
      }
      Node n;
      while ((n = senders.poll()) != null) {
        n.item = c;
        n.waiter.tryWin(n.clause);
      }
      while ((n = receivers.poll()) != null) {
        n.item = c;
        n.waiter.tryWin(n.clause);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ---- state ----

  @Override
  public boolean isClosedForSend() {
    return closed != null;
  }

  @Override
  public boolean isClosedForReceive() {
    lock.lock();
    try {
      return closed != null && buffer.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<Throwable> failure() {
    Closed c = closed;
    return c == null ? Optional.empty() : Optional.ofNullable(c.cause);
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public int size() {
    lock.lock();
    try {
      return buffer.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** {@return how many senders wait right now (for tests)} */
  int waitingSenders() {
    lock.lock();
    try {
      return senders.countWaiting();
    } finally {
      lock.unlock();
    }
  }

  /** {@return how many receivers wait right now (for tests)} */
  int waitingReceivers() {
    lock.lock();
    try {
      return receivers.countWaiting();
    } finally {
      lock.unlock();
    }
  }

  // ---- iteration ----

  @Override
  public Iterator<T> iterator() {
    return new Receiving();
  }

  @Override
  public Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  @Override
  public String toString() {
    String kind =
        capacity == 0 ? "rendezvous" : capacity == UNLIMITED ? "unlimited" : "buffered " + capacity;
    Closed c = closed;
    String state = c == null ? "open" : c.cause == null ? "closed" : "failed";
    return "Channel['" + name + "', " + kind + ", " + size() + " buffered, " + state + "]";
  }

  /** The blocking iterator: one element read ahead by {@code hasNext}. */
  private final class Receiving implements Iterator<T> {
    private @Nullable Object next;
    private boolean ended;

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      if (ended) {
        return false;
      }
      Object r;
      try {
        r = receiveInternal(null, true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancelledException("interrupted while iterating over channel '" + name + "'", e);
      }
      if (r instanceof Closed) {
        ended = true;
        return false;
      }
      next = r;
      return true;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException("channel '" + name + "' is closed and drained");
      }
      @SuppressWarnings("unchecked")
      T t = (T) Objects.requireNonNull(next);
      next = null;
      return t;
    }
  }
}
