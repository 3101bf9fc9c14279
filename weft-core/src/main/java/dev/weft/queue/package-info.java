/**
 * In-memory task distribution: {@link dev.weft.queue.TaskQueue} (priorities, bounded capacity with
 * backpressure, pause and resume, timeouts, retries, a dead-letter handler, graceful close) and
 * {@link dev.weft.queue.TaskGraph} (tasks with named dependencies, each run as soon as its parents
 * have finished).
 */
@NullMarked
package dev.weft.queue;

import org.jspecify.annotations.NullMarked;
