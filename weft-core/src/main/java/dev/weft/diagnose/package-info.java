/**
 * Diagnostics for concurrent code: deadlocked threads ({@link dev.weft.diagnose.Deadlocks}),
 * virtual threads pinned to their carrier ({@link dev.weft.diagnose.Pinning}) and whether a task is
 * I/O- or CPU-bound ({@link dev.weft.diagnose.Workload}). JDK only.
 */
@NullMarked
package dev.weft.diagnose;

import org.jspecify.annotations.NullMarked;
