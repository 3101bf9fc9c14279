package dev.weft.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Waits for the first of several channel operations, Go's {@code select} and Kotlin's {@code
 * select}: each {@linkplain #onReceive(ReceiveChannel, Function) receive} and {@linkplain
 * #onSend(SendChannel, Object, Supplier) send} clause is an operation on one channel; exactly one
 * of them happens, and its continuation runs on the calling thread, outside any lock, and gives the
 * result. A {@linkplain #onTimeout(Duration, Supplier) timeout} clause runs when no operation
 * happened in time; a {@linkplain #orElse(Supplier) default} clause makes the select non-blocking.
 *
 * <p>{@link #select} is fair: when several clauses are ready, each is equally likely to win (the
 * order of looking is shuffled on every call), so a busy channel cannot starve another. {@link
 * #selectInOrder} prefers the earliest ready clause (Kotlin's biased {@code select}), for
 * priorities. A clause that does not win leaves no trace: no element is taken from its channel, and
 * its element is not sent.
 *
 * <p>Stateless; the methods are thread-safe. Memory consistency effects are those of the channel
 * operation that won.
 *
 * {@snippet :
 * String next = Select.select(
 *     Select.onReceive(orders, order -> "order " + order),
 *     Select.onReceive(cancels, id -> "cancel " + id),
 *     Select.onTimeout(Duration.ofSeconds(1), () -> "idle"));
 * }
 *
 * <p>How a select returns, for both methods: it returns the continuation's result of the clause
 * that won (or of the timeout or default clause). It throws {@link ChannelClosedException} when the
 * clause chosen is on a channel closed for that operation (a receive clause on a channel closed and
 * drained, without cause; any clause on a failed channel, with the cause): a closed channel counts
 * as ready. It throws {@link InterruptedException} (flag cleared, no clause happened) if
 * interrupted, already or while waiting; {@link dev.weft.task.CancelledException} if the calling
 * task is cancelled while it waits; {@link dev.weft.task.DeadlineExceededException} if the calling
 * task's deadline passes before any clause (and before a shorter timeout clause). It throws what a
 * continuation throws, unchanged.
 */
@SuppressWarnings("ReferenceEquality") // ChannelImpl's markers and channels, by identity
public final class Select {

  private Select() {}

  /**
   * Runs the first clause that can happen, choosing fairly among the ready ones; see the class
   * description for every way it returns.
   *
   * @param clauses at least one send or receive clause, at most one timeout or default clause
   * @param <R> the result type
   * @return the result of the winning clause's continuation
   * @throws InterruptedException if interrupted before a clause happened
   * @throws IllegalArgumentException if the clauses break the rules above
   */
  @SafeVarargs
  public static <R extends @Nullable Object> R select(Clause<? extends R>... clauses)
      throws InterruptedException {
    List<Clause<? extends R>> list = new ArrayList<>(clauses.length);
    for (Clause<? extends R> c : clauses) {
      list.add(c);
    }
    return run(list, true);
  }

  /**
   * As {@link #select(Clause[])}, over a list of clauses (a fan-in over a changing set of
   * channels).
   *
   * @param clauses the clauses
   * @param <R> the result type
   * @return the result of the winning clause's continuation
   * @throws InterruptedException if interrupted before a clause happened
   */
  public static <R extends @Nullable Object> R select(List<? extends Clause<? extends R>> clauses)
      throws InterruptedException {
    return run(clauses, true);
  }

  /**
   * As {@link #select(Clause[])}, but when several clauses are ready, the earliest in the argument
   * order wins.
   *
   * @param clauses the clauses
   * @param <R> the result type
   * @return the result of the winning clause's continuation
   * @throws InterruptedException if interrupted before a clause happened
   */
  @SafeVarargs
  public static <R extends @Nullable Object> R selectInOrder(Clause<? extends R>... clauses)
      throws InterruptedException {
    List<Clause<? extends R>> list = new ArrayList<>(clauses.length);
    for (Clause<? extends R> c : clauses) {
      list.add(c);
    }
    return run(list, false);
  }

  /**
   * {@return a clause that receives an element from {@code channel} and passes it to {@code then}}
   *
   * @param channel the channel
   * @param then what to do with the element
   */
  public static <T, R extends @Nullable Object> Clause<R> onReceive(
      ReceiveChannel<T> channel, Function<? super T, ? extends R> then) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(then, "then");
    @SuppressWarnings("unchecked")
    Function<Object, ? extends R> f = (Function<Object, ? extends R>) then;
    return new Clause<>(Clause.RECEIVE, (ChannelImpl<?>) channel, null, f, null, null);
  }

  /**
   * {@return a clause that sends {@code element} to {@code channel} and then runs {@code then}}
   *
   * @param channel the channel
   * @param element the element, not null
   * @param then what to run once the element is sent
   */
  public static <T, R extends @Nullable Object> Clause<R> onSend(
      SendChannel<T> channel, T element, Supplier<? extends R> then) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(element, "element");
    Objects.requireNonNull(then, "then");
    return new Clause<>(Clause.SEND, (ChannelImpl<?>) channel, element, null, then, null);
  }

  /**
   * {@return a clause that runs {@code then} when no other clause happened within {@code timeout}}
   * Measured on the calling task's time source ({@link dev.weft.task.TaskContext#timeSource()}, or
   * its deadline's when it has one); a zero or negative timeout only looks once.
   *
   * @param timeout how long to wait
   * @param then what to run on timeout
   */
  public static <R extends @Nullable Object> Clause<R> onTimeout(
      Duration timeout, Supplier<? extends R> then) {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(then, "then");
    return new Clause<>(Clause.TIMEOUT, null, null, null, then, timeout);
  }

  /**
   * {@return a default clause: {@code then} runs at once if no other clause is ready, so the select
   * never waits}
   *
   * @param then what to run when nothing is ready
   */
  public static <R extends @Nullable Object> Clause<R> orElse(Supplier<? extends R> then) {
    Objects.requireNonNull(then, "then");
    return new Clause<>(Clause.DEFAULT, null, null, null, then, null);
  }

  /**
   * One clause of a select, made by {@link #onReceive}, {@link #onSend}, {@link #onTimeout} or
   * {@link #orElse}. Immutable; a clause may be reused in many selects.
   *
   * @param <R> the type of its continuation's result
   */
  public static final class Clause<R extends @Nullable Object> {
    static final int RECEIVE = 0;
    static final int SEND = 1;
    static final int TIMEOUT = 2;
    static final int DEFAULT = 3;

    final int kind;
    final @Nullable ChannelImpl<?> channel;
    final @Nullable Object element;
    final @Nullable Function<Object, ? extends R> onElement;
    final @Nullable Supplier<? extends R> then;
    final @Nullable Duration timeout;

    private Clause(
        int kind,
        @Nullable ChannelImpl<?> channel,
        @Nullable Object element,
        @Nullable Function<Object, ? extends R> onElement,
        @Nullable Supplier<? extends R> then,
        @Nullable Duration timeout) {
      this.kind = kind;
      this.channel = channel;
      this.element = element;
      this.onElement = onElement;
      this.then = then;
      this.timeout = timeout;
    }

    @Override
    public String toString() {
      return switch (kind) {
        case RECEIVE -> "onReceive(" + Objects.requireNonNull(channel).name() + ")";
        case SEND -> "onSend(" + Objects.requireNonNull(channel).name() + ")";
        case TIMEOUT -> "onTimeout(" + timeout + ")";
        default -> "orElse";
      };
    }
  }

  // ---- the algorithm (see ChannelImpl's overview) ----

  private static <R extends @Nullable Object> R run(
      List<? extends Clause<? extends R>> all, boolean fair) throws InterruptedException {
    Objects.requireNonNull(all, "clauses");
    int n = 0;
    Clause<? extends R> timeout = null;
    Clause<? extends R> otherwise = null;
    for (Clause<? extends R> c : all) {
      Objects.requireNonNull(c, "clause");
      if (c.kind == Clause.TIMEOUT) {
        if (timeout != null) {
          throw new IllegalArgumentException("a select takes at most one timeout clause");
        }
        timeout = c;
      } else if (c.kind == Clause.DEFAULT) {
        if (otherwise != null) {
          throw new IllegalArgumentException("a select takes at most one default clause");
        }
        otherwise = c;
      } else {
        n++;
      }
    }
    if (timeout != null && otherwise != null) {
      throw new IllegalArgumentException(
          "a select takes a timeout clause or a default clause, not both");
    }
    if (n == 0) {
      throw new IllegalArgumentException("a select needs at least one send or receive clause");
    }
    @SuppressWarnings("unchecked")
    Clause<? extends R>[] ops = (Clause<? extends R>[]) new Clause<?>[n];
    int k = 0;
    for (Clause<? extends R> c : all) {
      if (c.kind == Clause.RECEIVE || c.kind == Clause.SEND) {
        ops[k++] = c;
      }
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (fair && n > 1) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    ChannelImpl<?>[] locks = lockOrder(ops);
    int won = -1;
    Object outcome = null;
    Waiter waiter = null;
    Node[] nodes = null;
    for (ChannelImpl<?> ch : locks) {
      ch.lock.lock();
    }
    try {
      for (int i : order) {
        Clause<? extends R> c = ops[i];
        ChannelImpl<?> ch = Objects.requireNonNull(c.channel);
        Object r =
            c.kind == Clause.RECEIVE
                ? ch.pollLocked()
                : ch.offerLocked(Objects.requireNonNull(c.element));
        if (r != ChannelImpl.EMPTY && r != ChannelImpl.FULL) {
          won = i;
          outcome = r;
          break;
        }
      }
      if (won < 0 && otherwise == null) {
        waiter = new Waiter(Thread.currentThread());
        nodes = new Node[n];
        for (int i = 0; i < n; i++) {
          Clause<? extends R> c = ops[i];
          ChannelImpl<?> ch = Objects.requireNonNull(c.channel);
          nodes[i] = new Node(waiter, i, ch, c.element);
          (c.kind == Clause.SEND ? ch.senders : ch.receivers).add(nodes[i]);
        }
      }
    } finally {
      for (int i = locks.length - 1; i >= 0; i--) {
        locks[i].lock.unlock();
      }
    }
    if (won >= 0) {
      return finish(ops[won], Objects.requireNonNull(outcome));
    }
    if (otherwise != null) {
      return Objects.requireNonNull(otherwise.then).get();
    }
    Waiter w = Objects.requireNonNull(waiter);
    Node[] queued = Objects.requireNonNull(nodes);
    int s;
    try {
      s = Waits.await(w, timeout == null ? null : timeout.timeout);
    } catch (InterruptedException | RuntimeException e) {
      dequeueAll(ops, queued);
      throw e;
    }
    dequeueAll(ops, queued);
    if (s >= 0) {
      return finish(ops[s], Objects.requireNonNull(queued[s].item));
    }
    if (s == Waiter.TIMED_OUT) {
      return Objects.requireNonNull(Objects.requireNonNull(timeout).then).get();
    }
    throw Waits.deadlineExceeded("select over " + Arrays.toString(ops));
  }

  private static <R extends @Nullable Object> R finish(Clause<? extends R> c, Object outcome) {
    ChannelImpl<?> ch = Objects.requireNonNull(c.channel);
    if (c.kind == Clause.RECEIVE) {
      if (outcome instanceof Closed closed) {
        throw closed.forReceive(ch.name());
      }
      return Objects.requireNonNull(c.onElement).apply(outcome);
    }
    if (outcome instanceof Closed closed) {
      throw closed.forSend(ch.name());
    }
    return Objects.requireNonNull(c.then).get();
  }

  /** Unlinks every node still queued: the winner is already unlinked by its completer. */
  private static void dequeueAll(Clause<?>[] ops, Node[] nodes) {
    for (int i = 0; i < nodes.length; i++) {
      Node node = nodes[i];
      ChannelImpl<?> ch = node.channel;
      ch.lock.lock();
      try {
        if (node.linked) {
          (ops[i].kind == Clause.SEND ? ch.senders : ch.receivers).remove(node);
        }
      } finally {
        ch.lock.unlock();
      }
    }
  }

  /** {@return the distinct channels of {@code ops}, in lock order} */
  private static ChannelImpl<?>[] lockOrder(Clause<?>[] ops) {
    ChannelImpl<?>[] chs = new ChannelImpl<?>[ops.length];
    for (int i = 0; i < ops.length; i++) {
      chs[i] = Objects.requireNonNull(ops[i].channel);
    }
    Arrays.sort(chs, (a, b) -> Long.compare(a.id, b.id));
    int d = 0;
    for (int i = 0; i < chs.length; i++) {
      if (d == 0 || chs[d - 1] != chs[i]) {
        chs[d++] = chs[i];
      }
    }
    return Arrays.copyOf(chs, d);
  }
}
