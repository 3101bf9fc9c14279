package dev.weft.jobs;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a {@link JobFilter} search: the jobs, newest first, and the cursor that continues the
 * search with older jobs ({@code null} when nothing older can match).
 *
 * <p>An immutable value; thread-safe.
 *
 * @param jobs the jobs, newest first
 * @param next the {@link JobFilter#beforeId()} of the next page, or {@code null} at the end
 */
public record JobPage(List<Job> jobs, @Nullable Long next) {

  /** Copies the list. */
  public JobPage {
    jobs = List.copyOf(jobs);
  }
}
