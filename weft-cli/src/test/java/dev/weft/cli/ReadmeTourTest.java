package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.policy.Backoff;
import dev.weft.time.Deadline;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The README's tour of the library, compiled and run so that it keeps working. Each region here is
 * pasted into README.md verbatim; when you change one, change the other.
 */
class ReadmeTourTest {

  @Test
  void tour() {
    // tour:backoff
    Backoff backoff =
        Backoff.exponential(Duration.ofMillis(100), 2.0).max(Duration.ofSeconds(10)).fullJitter();
    Duration wait = backoff.delay(3, new SplittableRandom()); // uniform in [0, 400ms]
    // end
    assertThat(wait).isBetween(Duration.ZERO, Duration.ofMillis(400));

    // tour:deadline
    Deadline deadline = Deadline.after(Duration.ofSeconds(2));
    Duration left = deadline.within(Duration.ofSeconds(5)).remaining(); // deadlines nest: <= 2s
    // end
    assertThat(left).isLessThanOrEqualTo(Duration.ofSeconds(2));
  }
}
