package dev.weft.queue;

import java.time.Duration;
import java.util.Optional;

/**
 * A snapshot of a {@link TaskQueue}'s counts, with its recent completion rate (tasks ended per
 * second, weighted toward the last {@link TaskQueue.Builder#rateWindow(java.time.Duration)}) and
 * the time it would take at that rate to finish what waits and runs. Immutable.
 *
 * @param submitted tasks accepted so far
 * @param succeeded tasks that succeeded
 * @param failed tasks that finally failed
 * @param cancelled tasks cancelled or dropped
 * @param queued tasks waiting
 * @param running tasks running
 * @param perSecond tasks ended per second, weighted toward the recent past (the average since the
 *     first task started, during the first window); 0 before any ended
 * @param eta time left at that rate, if there is a rate
 */
public record QueueProgress(
    long submitted,
    long succeeded,
    long failed,
    long cancelled,
    int queued,
    int running,
    double perSecond,
    Optional<Duration> eta) {}
