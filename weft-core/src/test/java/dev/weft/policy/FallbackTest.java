package dev.weft.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class FallbackTest {

  private final Events events = new Events();

  @Test
  void replacesAFailureWithAValueAFunctionOrAnotherCall() {
    assertThat(
            Fallback.to("cached")
                .<String>call(() -> {
                  throw new IOException("down");
                }))
        .isEqualTo("cached");
    assertThat(
            Fallback.<String>from(f -> "because " + f.getMessage())
                .<String>call(() -> {
                  throw new IllegalStateException("down");
                }))
        .isEqualTo("because down");
    assertThat(
            Fallback.toCall(() -> "mirror")
                .<String>call(() -> {
                  throw new IOException("down");
                }))
        .isEqualTo("mirror");
  }

  @Test
  void successPassesThroughAndNoEventIsEmitted() {
    assertThat(Fallback.to("cached").withListener(events).call(() -> "fresh")).isEqualTo("fresh");
    assertThat(events.all()).isEmpty();
  }

  @Test
  void emitsWhichFailureItReplaced() {
    IOException down = new IOException("down");
    Fallback.to("x")
        .withName("empty")
        .withListener(events)
        .call(() -> {
          throw down;
        });
    assertThat(events.all()).containsExactly(new PolicyEvent.FallbackUsed("empty", down));
  }

  @Test
  void onlyTheChosenFailuresAreReplaced() {
    Fallback<String> onIo = Fallback.to("x").on(IOException.class);
    IllegalStateException bug = new IllegalStateException("bug");
    assertThatThrownBy(() ->
            onIo.call(() -> {
              throw bug;
            }))
        .isSameAs(bug);
    Fallback<String> when = Fallback.to("x").when(f -> f.getMessage().startsWith("retry"));
    assertThat(
            when.<String>call(() -> {
              throw new IllegalStateException("retry later");
            }))
        .isEqualTo("x");
  }

  @Test
  void neverReplacesAnInterrupt() {
    assertThatThrownBy(() ->
            Fallback.to("x")
                .<String>call(() -> {
                  throw new InterruptedException();
                }))
        .isInstanceOf(CancellationException.class);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void aFailingAlternativeCarriesTheOriginalAsSuppressed() {
    IOException first = new IOException("primary down");
    assertThatThrownBy(() ->
            Fallback.toCall(
                    () -> {
                      throw new IllegalStateException("mirror down");
                    })
                .<String>call(() -> {
                  throw first;
                }))
        .hasMessage("mirror down")
        .hasSuppressedException(first);
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> Fallback.to("x").on()).hasMessage("types must not be empty, was []");
    assertThatThrownBy(() -> Fallback.to("x").withName(""))
        .hasMessage("name must not be blank, was ''");
  }
}
