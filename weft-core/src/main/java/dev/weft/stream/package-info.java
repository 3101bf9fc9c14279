/**
 * Streaming pipelines on virtual threads: {@link dev.weft.stream.Gather} (gatherers for {@code
 * java.util.stream}: concurrent map in ordered and unordered forms with bounded memory, batching by
 * size or time, a CPU stage), {@link dev.weft.stream.Pages} (pagination as a lazy stream), {@link
 * dev.weft.stream.Parallel} (CPU-bound work on a bounded pool of platform threads) and {@link
 * dev.weft.stream.Pipeline} (an I/O stage feeding a CPU stage).
 */
@NullMarked
package dev.weft.stream;

import org.jspecify.annotations.NullMarked;
