package dev.weft.cli;

import dev.weft.policy.Backoff;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What {@code weft run} was asked to do, validated: the template and every control flag. Immutable.
 *
 * @param template the command template
 * @param jobs job slots ({@code -j})
 * @param startInterval minimum time between two starts ({@code --rate} and {@code --delay})
 * @param tries tries per job in total ({@code --retries}, at least 1)
 * @param backoff delay before a retry
 * @param timeout per-try limit, null for none
 * @param grace time between TERM and KILL
 * @param halt when to stop early
 * @param keepOrder print outputs in input order
 * @param tag prefix output lines with the arguments
 * @param dryRun print the commands instead of running them
 * @param shell the shell for templates that need one
 */
record RunSettings(
    Template template,
    int jobs,
    Duration startInterval,
    int tries,
    Backoff backoff,
    @Nullable Duration timeout,
    Duration grace,
    Halt halt,
    boolean keepOrder,
    boolean tag,
    boolean dryRun,
    String shell) {

  RunSettings {
    if (jobs < 1) {
      throw new BadInput("-j must be >= 1, was " + jobs);
    }
    if (tries < 1) {
      throw new BadInput("--retries must be >= 1 (tries in total), was " + tries);
    }
    if (timeout != null && timeout.isZero()) {
      throw new BadInput("--timeout must be > 0, was 0");
    }
  }
}
