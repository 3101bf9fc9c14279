/**
 * Flow control: how much work may run at once and how fast it may start.
 *
 * <ul>
 *   <li>{@link dev.weft.flow.Limiter}: at most <i>n</i> calls at once, FIFO admission (p-limit);
 *   <li>{@link dev.weft.flow.Permits}: a weighted semaphore with {@code use}, leak detection;
 *   <li>{@link dev.weft.flow.RateLimiter}: rate and burst (GCRA), callers served in order;
 *   <li>{@link dev.weft.flow.IntervalLimiter}: at most <i>n</i> starts in any window of a length;
 *   <li>{@link dev.weft.flow.KeyedLimiter}, {@link dev.weft.flow.KeyedRateLimiter}: one limit per
 *       key (host, tenant), idle keys evicted;
 *   <li>{@link dev.weft.flow.Debouncer}, {@link dev.weft.flow.Throttler}: lodash's semantics;
 *   <li>{@link dev.weft.flow.AdaptiveLimiter}: a concurrency limit that follows latency.
 * </ul>
 *
 * <p>Every timed part reads the {@link dev.weft.time.TimeSource} it was built with and waits
 * through {@link dev.weft.time.Sleeper#parkUntil(long)}, so a manual clock drives it in tests.
 * Nothing here busy-waits.
 */
@NullMarked
package dev.weft.flow;

import org.jspecify.annotations.NullMarked;
