package dev.weft.task;

import dev.weft.observe.WeftThreads;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The forks' threads, listed by {@link WeftThreads#live()} as one group (one entry per scope rather
 * than one per thread) while a fork has not settled. The live list drops an idle group's entry only
 * at its next sweep, so {@link Scope#close()} cuts the group off from the scope: a closed scope's
 * forks, tasks and results are not kept reachable until then.
 */
final class ScopeThreads implements WeftThreads.Group {
  private volatile @Nullable Scope scope;

  private final WeftThreads.Listing listing;

  ScopeThreads(Scope scope) {
    this.scope = scope;
    this.listing = WeftThreads.listing(this);
  }

  /** Lists the group again if a sweep dropped it; before a fork's thread starts. */
  void ensureListed() {
    listing.ensureListed();
  }

  /** {@return the scope, or null once it closed} */
  @Nullable Scope scope() {
    return scope;
  }

  void release() {
    scope = null;
  }

  @Override
  public void addLiveTo(List<Thread> out) {
    Scope s = scope;
    if (s == null) {
      return;
    }
    int n = s.forkCount;
    ForkImpl<?>[] view = s.forksView;
    for (int i = 0; i < n; i++) {
      Thread t = view[i].thread();
      if (t != null) {
        out.add(t);
      }
    }
  }

  @Override
  public boolean isIdle() {
    Scope s = scope;
    return s == null || s.pending() == 0;
  }
}
