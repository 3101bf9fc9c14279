package dev.weft.policy;

import dev.weft.observe.Event;
import dev.weft.observe.Listener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A listener that records events and lets a test wait for the next one of a type. */
final class Events implements Listener {

  private final List<Event> all = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<Event> pending = new LinkedBlockingQueue<>();

  @Override
  public void onEvent(Event event) {
    all.add(event);
    pending.add(event);
  }

  List<Event> all() {
    return all;
  }

  <E extends Event> List<E> all(Class<E> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Waits (a minute at most: a hang guard) for the next event of {@code type}, skipping others. */
  <E extends Event> E next(Class<E> type) throws InterruptedException {
    while (true) {
      Event e = pending.poll(1, TimeUnit.MINUTES);
      if (e == null) {
        throw new AssertionError("no " + type.getSimpleName() + " within a minute; saw " + all);
      }
      if (type.isInstance(e)) {
        return type.cast(e);
      }
    }
  }
}
