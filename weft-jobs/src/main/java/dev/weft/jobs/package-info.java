/**
 * The durable job queue: enqueue and operate with {@code JobQueue}, run handlers with {@code
 * Worker}.
 */
@NullMarked
package dev.weft.jobs;

import org.jspecify.annotations.NullMarked;
