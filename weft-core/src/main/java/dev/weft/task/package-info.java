/**
 * Structured tasks on virtual threads: {@link dev.weft.task.Scope} (a nursery whose forks are all
 * finished or cancelled and joined before it closes), the combinators of {@link
 * dev.weft.task.Tasks} ({@code all}, {@code allSettled}, {@code race}, {@code any}, {@code
 * withTimeout}), cooperative cancellation ({@link dev.weft.task.CancellationToken}, {@link
 * dev.weft.task.CancellationSource}) and nested deadlines read by running code through {@link
 * dev.weft.task.TaskContext}.
 *
 * <p>One mechanism cancels work: a scope interrupts its forks <em>and</em> flips the token they see
 * through {@link dev.weft.task.TaskContext#token()}, so code that does not block interruptibly can
 * register an {@link dev.weft.task.CancellationToken#onCancel(Runnable) onCancel} callback.
 * Unchecked exceptions propagate unchanged; checked ones are wrapped once in {@link
 * dev.weft.task.TaskFailedException}; nothing is swallowed (a failure nobody could observe is
 * logged through {@link System.Logger} {@code dev.weft.task}).
 *
 * <p>Every type here is non-null by default.
 */
@NullMarked
package dev.weft.task;

import org.jspecify.annotations.NullMarked;
