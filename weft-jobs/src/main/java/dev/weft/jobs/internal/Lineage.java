package dev.weft.jobs.internal;

import static dev.weft.jobs.internal.JdbcJobStore.DUE;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a job's death or revival does to the jobs that depend on it ({@code weft_job_deps}), inside
 * the caller's write transaction. Dialect-neutral SQL; stateless, so thread-safe.
 *
 * <p>A job that dies cancels every waiting descendant with the reason {@code "ancestor job N is
 * dead"}; a child enqueued under a dead or cancelled parent is cancelled at once with {@code
 * "parent job N is dead"} (or {@code cancelled}). Retrying the dead (or cancelled) job undoes both:
 * a cancelled descendant whose reason names a revived job goes back to {@code scheduled}, waiting
 * on its parents again, unless another of its parents is still dead or cancelled, in which case its
 * reason is rewritten to name that parent, so reviving that one restores it.
 */
final class Lineage {

  private Lineage() {}

  /** Cancels every waiting descendant of {@code parent}, which just died. */
  static void cancelDescendants(Connection c, long parent, long now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "with recursive d(id) as (select child_id from weft_job_deps where parent_id = ?"
                + " union select x.child_id from weft_job_deps x join d on x.parent_id = d.id)"
                + " update weft_jobs set state = 'cancelled', reason = ?, finished_at = ?"
                + " where id in (select id from d) and state in "
                + DUE)) {
      ps.setLong(1, parent);
      ps.setString(2, "ancestor job " + parent + " is dead");
      ps.setLong(3, now);
      ps.executeUpdate();
    }
  }

  /**
   * Moves the descendants that were cancelled because of {@code revived} (jobs just moved back to
   * available) back to {@code scheduled}, breadth first, so a grandchild follows its child.
   *
   * @return how many descendants it restored
   */
  static int restoreDescendants(Connection c, Collection<Long> revived) throws SQLException {
    if (revived.isEmpty()) {
      return 0;
    }
    Set<Long> roots = new HashSet<>(revived);
    Set<Long> restored = new HashSet<>(revived);
    Deque<Long> todo = new ArrayDeque<>(revived);
    int count = 0;
    try (PreparedStatement children =
            c.prepareStatement("select child_id from weft_job_deps where parent_id = ?");
        PreparedStatement row =
            c.prepareStatement("select state, reason from weft_jobs where id = ?");
        PreparedStatement blocked =
            c.prepareStatement(
                "select p.id, p.state from weft_job_deps d join weft_jobs p"
                    + " on p.id = d.parent_id where d.child_id = ? and p.state in"
                    + " ('dead','cancelled') order by p.id");
        PreparedStatement rename =
            c.prepareStatement("update weft_jobs set reason = ? where id = ?");
        PreparedStatement restore =
            c.prepareStatement(
                "update weft_jobs set state = 'scheduled', reason = null, finished_at = null"
                    + " where id = ? and state = 'cancelled'")) {
      while (!todo.isEmpty()) {
        long parent = todo.poll();
        for (long child : ids(children, parent)) {
          if (restored.contains(child) || !cancelledBecauseOf(row, child, roots, restored)) {
            continue;
          }
          String blocker = blocker(blocked, child);
          if (blocker != null) {
            // still cancelled, now because of a parent that is still dead or cancelled, so
            // reviving that parent later restores this job
            rename.setString(1, blocker);
            rename.setLong(2, child);
            rename.executeUpdate();
            continue;
          }
          restore.setLong(1, child);
          if (restore.executeUpdate() > 0) {
            restored.add(child);
            todo.add(child);
            count++;
          }
        }
      }
    }
    return count;
  }

  private static boolean cancelledBecauseOf(
      PreparedStatement row, long id, Set<Long> roots, Set<Long> restored) throws SQLException {
    row.setLong(1, id);
    String state;
    @Nullable String reason;
    try (ResultSet r = row.executeQuery()) {
      if (!r.next()) {
        return false;
      }
      state = r.getString(1);
      reason = r.getString(2);
    }
    if (!"cancelled".equals(state) || reason == null) {
      return false;
    }
    for (long root : roots) {
      if (reason.equals("ancestor job " + root + " is dead")) {
        return true;
      }
    }
    for (long p : restored) {
      if (reason.equals("parent job " + p + " is dead")
          || reason.equals("parent job " + p + " is cancelled")) {
        return true;
      }
    }
    return false;
  }

  private static List<Long> ids(PreparedStatement ps, long arg) throws SQLException {
    ps.setLong(1, arg);
    List<Long> out = new ArrayList<>();
    try (ResultSet r = ps.executeQuery()) {
      while (r.next()) {
        out.add(r.getLong(1));
      }
    }
    return out;
  }

  /** {@return the reason naming the first parent of {@code child} still dead or cancelled} */
  private static @Nullable String blocker(PreparedStatement ps, long child) throws SQLException {
    ps.setLong(1, child);
    try (ResultSet r = ps.executeQuery()) {
      return r.next() ? "parent job " + r.getLong(1) + " is " + r.getString(2) : null;
    }
  }
}
