package dev.weft.task;

import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * What weft binds in every fork through {@link TaskContext}'s scoped value: the scope's token, its
 * deadline (already nested within the parent's), its time source and the inherited propagator.
 */
record Context(
    CancellationToken token,
    Deadline deadline,
    TimeSource time,
    @Nullable ContextPropagator propagator) {

  static final Context ROOT =
      new Context(CancellationToken.none(), Deadline.never(), TimeSource.system(), null);
}
