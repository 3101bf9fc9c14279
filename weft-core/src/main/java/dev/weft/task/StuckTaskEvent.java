package dev.weft.task;

import dev.weft.observe.Event;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A fork kept running for the grace period after its scope was cancelled (it ignores interrupts and
 * its token), so {@code join()} or {@code close()} is still waiting for it. Logged as a warning as
 * well. Immutable.
 *
 * {@snippet :
 * Listener alarm = event -> {
 *   if (event instanceof StuckTaskEvent stuck) pager.send(stuck.source() + ": " + stuck.thread() + " is stuck");
 * };
 * }
 *
 * @param source the scope's name ({@code "scope"} if unnamed)
 * @param index the fork's position in its scope
 * @param taskName the fork's name, if it had one
 * @param thread the name of the thread running it
 * @param stack where that thread was when the grace period ended
 * @param grace the grace period that passed
 */
public record StuckTaskEvent(
    String source,
    int index,
    @Nullable String taskName,
    String thread,
    List<StackTraceElement> stack,
    Duration grace)
    implements Event {

  /** Copies the stack. */
  public StuckTaskEvent {
    stack = List.copyOf(stack);
  }
}
