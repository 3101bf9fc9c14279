package dev.weft.task;

import dev.weft.time.Deadline;
import dev.weft.time.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * What weft binds in every fork through {@link TaskContext}'s scoped value: the scope's token, its
 * deadline (already nested within the parent's), its time source, the inherited propagator and the
 * scope whose fork runs (for the task tree), if any.
 */
record Context(
    CancellationToken token,
    Deadline deadline,
    TimeSource time,
    @Nullable ContextPropagator propagator,
    @Nullable Scope scope) {

  static final Context ROOT =
      new Context(CancellationToken.none(), Deadline.never(), TimeSource.system(), null, null);
}
