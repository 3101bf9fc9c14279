package dev.weft.jobs;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which jobs of one queue to list, newest first, a page at a time: by state, kind, unique key, or
 * text in the payload, below a cursor ({@code beforeId}). Stores answer it from the indexes on
 * {@code (queue, state, id)} and {@code (queue, unique_key)}; kind and payload text are matched
 * within a window of at most {@link #WINDOW} of the newest jobs below the cursor, so one page never
 * reads the whole queue (the returned {@link JobPage#next()} continues the search further back).
 *
 * <p>An immutable value; thread-safe.
 *
 * @param queue the queue
 * @param state only jobs in this state, or {@code null} for any
 * @param kind only jobs of this kind, or {@code null} for any
 * @param uniqueKey only the job with this unique key, or {@code null}
 * @param text only jobs whose payload contains this text (case-sensitive), or {@code null}
 * @param beforeId only jobs with a smaller id (the cursor of the next page), or {@code null}
 * @param limit the most jobs to return, 1 to 500
 */
public record JobFilter(
    String queue,
    @Nullable JobState state,
    @Nullable String kind,
    @Nullable String uniqueKey,
    @Nullable String text,
    @Nullable Long beforeId,
    int limit) {

  /** The most jobs a search with kind or text reads per page. */
  public static final int WINDOW = 5_000;

  /**
   * Validates the filter.
   *
   * @throws IllegalArgumentException naming the component, its value and the rule
   */
  public JobFilter {
    Objects.requireNonNull(queue, "queue");
    if (limit < 1 || limit > 500) {
      throw new IllegalArgumentException("limit must be 1 to 500, was " + limit);
    }
    if (beforeId != null && beforeId < 1) {
      throw new IllegalArgumentException("beforeId must be >= 1, was " + beforeId);
    }
    kind = blankToNull(kind);
    uniqueKey = blankToNull(uniqueKey);
    text = blankToNull(text);
  }

  /** {@return a filter of every job of {@code queue}, {@code limit} per page} */
  public static JobFilter of(String queue, int limit) {
    return new JobFilter(queue, null, null, null, null, null, limit);
  }

  /** {@return this filter for jobs in {@code state} (or any, if null)} */
  public JobFilter withState(@Nullable JobState state) {
    return new JobFilter(queue, state, kind, uniqueKey, text, beforeId, limit);
  }

  /** {@return this filter for jobs of {@code kind} (or any, if null or blank)} */
  public JobFilter withKind(@Nullable String kind) {
    return new JobFilter(queue, state, kind, uniqueKey, text, beforeId, limit);
  }

  /** {@return this filter for the job under {@code uniqueKey} (or any, if null or blank)} */
  public JobFilter withUniqueKey(@Nullable String uniqueKey) {
    return new JobFilter(queue, state, kind, uniqueKey, text, beforeId, limit);
  }

  /** {@return this filter for payloads containing {@code text} (or any, if null or blank)} */
  public JobFilter withText(@Nullable String text) {
    return new JobFilter(queue, state, kind, uniqueKey, text, beforeId, limit);
  }

  /** {@return this filter for jobs with an id below {@code beforeId} (or any, if null)} */
  public JobFilter before(@Nullable Long beforeId) {
    return new JobFilter(queue, state, kind, uniqueKey, text, beforeId, limit);
  }

  /** {@return whether the kind or text needs the bounded window} */
  public boolean windowed() {
    return kind != null || text != null;
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
