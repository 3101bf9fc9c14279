package dev.weft.queue;

import org.jspecify.annotations.Nullable;

/**
 * The work of one {@link TaskGraph} node: given its parents' results, computes its own. It may
 * block and may throw.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface NodeTask<R> {

  /**
   * Runs the node.
   *
   * @param parents the results of the nodes this one depends on, by name
   * @return the node's result, which its dependants receive; may be null
   * @throws Exception whatever the work throws
   */
  @Nullable R run(Inputs parents) throws Exception;
}
