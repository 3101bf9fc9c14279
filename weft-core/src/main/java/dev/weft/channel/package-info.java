/**
 * Channels between concurrent tasks, Go- and Kotlin-style, on blocking code and virtual threads.
 *
 * <ul>
 *   <li>{@link dev.weft.channel.Channel}: a rendezvous, buffered or unlimited channel with blocking
 *       {@code send}/{@code receive}, non-blocking {@code trySend}/{@code tryReceive}, {@code
 *       close} (receivers drain, then see the end) and {@code error} (receivers see the cause);
 *   <li>{@link dev.weft.channel.Select}: wait for the first of several send and receive clauses,
 *       with a timeout or a default clause, fair among the ready ones;
 *   <li>{@link dev.weft.channel.Channels}: a channel produced by a fork of a {@link
 *       dev.weft.task.Scope} and closed with the scope's cause, and a pipeline stage with per-stage
 *       concurrency that keeps order when asked.
 * </ul>
 *
 * <p>Blocking calls park (never hold a lock while waiting), answer an interrupt with {@link
 * java.lang.InterruptedException}, and honour the calling task's {@link dev.weft.task.TaskContext}:
 * a cancelled task gets {@link dev.weft.task.CancelledException}, a passed deadline {@link
 * dev.weft.task.DeadlineExceededException}. Null elements are rejected.
 */
@NullMarked
package dev.weft.channel;

import org.jspecify.annotations.NullMarked;
