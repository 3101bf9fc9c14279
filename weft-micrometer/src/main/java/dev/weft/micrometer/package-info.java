/** Turns weft's {@link dev.weft.observe.Event}s into Micrometer counters, timers and gauges. */
@NullMarked
package dev.weft.micrometer;

import org.jspecify.annotations.NullMarked;
