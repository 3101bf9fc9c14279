package dev.weft.channel;

import org.jspecify.annotations.Nullable;

/**
 * One clause of a {@link Waiter} queued on one channel: a link in that channel's senders or
 * receivers {@link WaitQueue}. {@link #item} is the element a sender offers, or the element a
 * sender hands to a receiver (written before the sender's winning CAS on the waiter, so the waiter
 * reads it after seeing the win), or the channel's {@link Closed} state when closing completed it.
 * Every field but {@code waiter} and {@code clause} is guarded by the channel's lock, except that
 * the waiter reads {@code item} after its state moved to this clause.
 */
final class Node {
  final Waiter waiter;
  final int clause;
  final ChannelImpl<?> channel;
  @Nullable Object item;
  @Nullable Node prev;
  @Nullable Node next;
  boolean linked;

  Node(Waiter waiter, int clause, ChannelImpl<?> channel, @Nullable Object item) {
    this.waiter = waiter;
    this.clause = clause;
    this.channel = channel;
    this.item = item;
  }
}
