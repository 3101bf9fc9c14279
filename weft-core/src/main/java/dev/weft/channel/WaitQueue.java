package dev.weft.channel;

import org.jspecify.annotations.Nullable;

/**
 * A FIFO of {@link Node}s, doubly linked through the nodes themselves so that a waiter that gave
 * up, or a select whose other clause won, leaves in O(1). Not thread-safe: guarded by the owning
 * channel's lock.
 */
final class WaitQueue {
  private @Nullable Node head;
  private @Nullable Node tail;

  void add(Node node) {
    node.prev = tail;
    node.next = null;
    if (tail == null) {
      head = node;
    } else {
      tail.next = node;
    }
    tail = node;
    node.linked = true;
  }

  /** {@return the first node, unlinked, or null} */
  @Nullable Node poll() {
    Node n = head;
    if (n != null) {
      remove(n);
    }
    return n;
  }

  void remove(Node node) {
    if (!node.linked) {
      return;
    }
    node.linked = false;
    Node p = node.prev;
    Node n = node.next;
    if (p == null) {
      head = n;
    } else {
      p.next = n;
    }
    if (n == null) {
      tail = p;
    } else {
      n.prev = p;
    }
    node.prev = null;
    node.next = null;
  }

  boolean isEmpty() {
    return head == null;
  }

  /** {@return how many queued nodes still wait (a snapshot, for state queries and tests)} */
  int countWaiting() {
    int count = 0;
    for (Node n = head; n != null; n = n.next) {
      if (n.waiter.isWaiting()) {
        count++;
      }
    }
    return count;
  }
}
