/**
 * The time seam: every timed part of weft measures through a {@link dev.weft.time.Ticker}, waits
 * through a {@link dev.weft.time.Sleeper} and stamps wall-clock time through {@link
 * dev.weft.time.TimeSource#wallTime()}. Tests replace {@link dev.weft.time.TimeSource#system()}
 * with {@code dev.weft.test.ManualClock}, so they never sleep to wait for a condition. This is the
 * only package of main code allowed to call {@code System.nanoTime}, {@code Thread.sleep} or {@code
 * Instant.now} (an ArchUnit rule enforces it).
 */
@NullMarked
package dev.weft.time;

import org.jspecify.annotations.NullMarked;
