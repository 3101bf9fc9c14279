package dev.weft.observe;

/** Holder of the no-op listener and the safe delivery path. */
final class Listeners {

  private static final System.Logger LOG = System.getLogger("dev.weft.observe");

  static final Listener NONE =
      new Listener() {
        @Override
        public void onEvent(Event event) {}

        @Override
        public boolean isNone() {
          return true;
        }

        @Override
        public String toString() {
          return "Listener.none()";
        }
      };

  private Listeners() {}

  static void deliver(Listener listener, Event event) {
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "listener " + listener + " failed on " + event, e);
    }
  }
}
