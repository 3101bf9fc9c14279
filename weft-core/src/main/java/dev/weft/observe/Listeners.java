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

  static Listener logging(System.Logger logger, System.Logger.Level level) {
    java.util.Objects.requireNonNull(logger, "logger");
    java.util.Objects.requireNonNull(level, "level");
    return new Listener() {
      @Override
      public void onEvent(Event event) {
        if (logger.isLoggable(level)) {
          logger.log(level, event.toString());
        }
      }

      @Override
      public String toString() {
        return "Listener.logging(" + level + ")";
      }
    };
  }

  static void deliver(Listener listener, Event event) {
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "listener " + listener + " failed on " + event, e);
    }
  }
}
