package dev.weft.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.test.Leaks;
import dev.weft.test.ManualClock;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  /** A StringWriter that signals each frame (the bar flushes once per frame). */
  static final class FrameWriter extends StringWriter {
    private final Semaphore frames = new Semaphore(0);
    private int seen;

    @Override
    public void flush() {
      super.flush();
      frames.release();
    }

    void awaitFrames(int total) throws InterruptedException {
      frames.acquire(total - seen);
      seen = total;
    }
  }

  private static final String NL = System.lineSeparator();
  private final ManualClock clock = new ManualClock();

  @Test
  void plainOutputPrintsALineEveryPeriodAndAFinalOne() throws Throwable {
    Progress progress = Progress.of(100, Duration.ofSeconds(10), clock);
    FrameWriter out = new FrameWriter();
    Leaks.assertNoLeaks(() -> {
      try (ProgressBar bar =
          ProgressBar.builder(progress)
              .output(out)
              .terminal(false)
              .plainEvery(Duration.ofSeconds(5))
              .label("run")
              .time(clock)
              .build()
              .start()) {
        clock.awaitParked(1);
        progress.step(10);
        clock.advance(Duration.ofSeconds(5));
        out.awaitFrames(1);
        assertThat(out.toString())
            .isEqualTo("run: 10/100 (10%), 2.0/s, ETA 0:45, elapsed 0:05" + NL);
        progress.step(10);
        progress.fail();
        clock.advance(Duration.ofSeconds(4)); // not due yet
        clock.awaitParked(1);
        assertThat(out.toString().lines()).hasSize(1);
      }
    });
    assertThat(out.toString().lines())
        .containsExactly(
            "run: 10/100 (10%), 2.0/s, ETA 0:45, elapsed 0:05",
            "run: 21/100 (21%), 2.3/s, ETA 0:33, 1 failed, elapsed 0:09");
  }

  @Test
  void terminalOutputRedrawsInPlaceAndEndsTheLineOnClose() throws Exception {
    Progress progress = Progress.of(4, Duration.ofSeconds(10), clock);
    FrameWriter out = new FrameWriter();
    ProgressBar bar =
        ProgressBar.builder(progress)
            .output(out)
            .terminal(true)
            .width(40)
            .refresh(Duration.ofMillis(200))
            .time(clock)
            .build()
            .start();
    clock.awaitParked(1);
    progress.step(2);
    clock.advance(Duration.ofSeconds(1));
    out.awaitFrames(1);
    clock.awaitParked(1);
    progress.step(2);
    clock.advance(Duration.ofSeconds(1));
    out.awaitFrames(2);
    bar.close();
    bar.close(); // idempotent
    String[] frames = out.toString().split("\r", -1);
    assertThat(frames[0]).isEmpty();
    assertThat(frames).hasSize(4); // two timed frames and the final one
    assertThat(frames[1]).isEqualTo("[######>      ]  50% 2/4 2.0/s ETA 0:01");
    assertThat(frames[2]).isEqualTo("[#############] 100% 4/4 2.0/s ETA 0:00");
    assertThat(frames[3]).isEqualTo(frames[2] + NL);
    assertThat(frames[1].length()).isLessThan(40);
  }

  @Test
  void anUnknownTotalShowsCountAndRateWithoutABar() {
    Progress.Snapshot s =
        new Progress.Snapshot(
            7,
            0,
            OptionalLong.empty(),
            Duration.ofSeconds(3723),
            OptionalDouble.of(1234.4),
            Optional.empty());
    assertThat(ProgressBar.terminalLine(s, "fetch", 80)).isEqualTo("fetch 7 done 1234/s");
    assertThat(ProgressBar.plainLine(s, "")).isEqualTo("progress: 7 done, 1234/s, elapsed 1:02:03");
  }

  @Test
  void aNarrowTerminalIsNeverOverrun() {
    Progress.Snapshot s =
        new Progress.Snapshot(
            123456,
            99999,
            OptionalLong.of(999999),
            Duration.ofSeconds(3),
            OptionalDouble.of(12.5),
            Optional.of(Duration.ofHours(30)));
    assertThat(ProgressBar.terminalLine(s, "a-long-label", 20)).hasSizeLessThanOrEqualTo(19);
  }

  @Test
  void renderDrawsAFrameOnDemandAndNothingAfterClose() {
    Progress progress = Progress.of(2, Duration.ofSeconds(10), clock);
    FrameWriter out = new FrameWriter();
    ProgressBar bar = ProgressBar.builder(progress).output(out).terminal(false).time(clock).build();
    bar.render();
    bar.close();
    bar.render();
    assertThat(out.toString().lines()).hasSize(2);
    assertThatThrownBy(bar::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void validatesSettings() {
    ProgressBar.Builder b = ProgressBar.builder(Progress.unbounded());
    assertThatThrownBy(() -> b.width(10)).hasMessage("width must be >= 20, was 10");
    assertThatThrownBy(() -> b.refresh(Duration.ZERO)).hasMessage("refresh must be > 0, was PT0S");
    assertThatThrownBy(() -> b.plainEvery(Duration.ofSeconds(-1)))
        .hasMessage("plainEvery must be > 0, was PT-1S");
  }
}
