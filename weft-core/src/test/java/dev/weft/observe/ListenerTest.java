package dev.weft.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerTest {

  record Ping(String source) implements Event {}

  @Test
  void noneIsMarkedSoEmittersCanSkipBuildingEvents() {
    assertThat(Listener.none().isNone()).isTrue();
    assertThat(Listener.all(List.of(Listener.none(), Listener.none())).isNone()).isTrue();
  }

  @Test
  void aFailingListenerNeverFailsTheEmitterNorStarvesTheOthers() {
    List<Event> seen = new ArrayList<>();
    Listener broken =
        e -> {
          throw new IllegalStateException("listener bug");
        };
    Listener both = Listener.all(List.of(broken, seen::add));
    Listener.emit(both, new Ping("a"));
    assertThat(seen).containsExactly(new Ping("a"));
  }

  @Test
  void theLoggingListenerLogsOnlyWhenTheLevelIsOn() {
    List<String> lines = new ArrayList<>();
    System.Logger logger =
        new System.Logger() {
          @Override
          public String getName() {
            return "test";
          }

          @Override
          public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity();
          }

          @Override
          public void log(Level level, java.util.ResourceBundle bundle, String msg, Throwable t) {
            lines.add(level + " " + msg);
          }

          @Override
          public void log(
              Level level, java.util.ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
          }
        };
    Listener.emit(Listener.logging(logger, System.Logger.Level.INFO), new Ping("a"));
    Listener.emit(Listener.logging(logger, System.Logger.Level.DEBUG), new Ping("b"));
    assertThat(lines).containsExactly("INFO Ping[source=a]");
    assertThat(Listener.logging(System.Logger.Level.DEBUG).toString())
        .isEqualTo("Listener.logging(DEBUG)");
  }
}
