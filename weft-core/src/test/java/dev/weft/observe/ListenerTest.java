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
}
