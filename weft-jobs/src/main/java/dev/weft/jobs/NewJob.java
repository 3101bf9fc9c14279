package dev.weft.jobs;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A job to enqueue: its queue, kind and JSON payload, and options copied with {@code with*}
 * methods. Defaults: priority 0, due at once, 25 attempts, no unique key, no parents, no tags.
 *
 * <p>An immutable value; thread-safe.
 *
 * {@snippet :
 * NewJob job = NewJob.of("mail", "welcome", Map.of("user", 42))
 *     .withUniqueKey("welcome-42")
 *     .withMaxAttempts(5);
 * }
 *
 * @param queue the queue, 1 to 200 characters
 * @param kind selects the handler, 1 to 200 characters
 * @param payloadJson the payload as JSON text
 * @param priority higher runs first among due jobs
 * @param runAt when it becomes due; {@code null} means at once
 * @param maxAttempts attempts allowed, {@code >= 1}
 * @param uniqueKey enqueuing a job whose queue already holds this key returns the existing job
 * @param parents ids of jobs that must all succeed first; a dead parent cancels this job
 * @param tags free labels
 * @param rateKey the bucket of the queue's per-key rate limit this job spends from (say a host
 *     name), or {@code null} for none; see {@link QueueLimits#keyPerSecond()}
 * @param headers metadata carried with the job beside its payload, stored as given and handed to
 *     the handler in {@link Job#headers()}: a W3C {@code traceparent} (weft-opentelemetry writes
 *     it), a tenant, a correlation id. Names have 1 to 200 characters; values are not null
 */
public record NewJob(
    String queue,
    String kind,
    String payloadJson,
    int priority,
    @Nullable Instant runAt,
    int maxAttempts,
    @Nullable String uniqueKey,
    List<Long> parents,
    List<String> tags,
    @Nullable String rateKey,
    Map<String, String> headers) {

  /** The default number of attempts. */
  public static final int DEFAULT_MAX_ATTEMPTS = 25;

  /**
   * Validates every component.
   *
   * @throws IllegalArgumentException naming the component, its value and the rule
   */
  public NewJob {
    requireName("queue", queue);
    requireName("kind", kind);
    Objects.requireNonNull(payloadJson, "payloadJson");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (uniqueKey != null && uniqueKey.isEmpty()) {
      throw new IllegalArgumentException("uniqueKey must not be empty (use null for none)");
    }
    if (rateKey != null && (rateKey.isEmpty() || rateKey.length() > 200)) {
      throw new IllegalArgumentException(
          "rateKey must have 1 to 200 characters (or be null for none), was '" + rateKey + "'");
    }
    parents = List.copyOf(parents);
    tags = List.copyOf(tags);
    headers = copyHeaders(headers);
  }

  /**
   * {@return a job whose payload is {@code payload} written as JSON by Jackson}
   *
   * @throws IllegalArgumentException if Jackson cannot write {@code payload}
   */
  public static NewJob of(String queue, String kind, @Nullable Object payload) {
    return ofJson(queue, kind, dev.weft.jobs.internal.Json.write(payload));
  }

  /** {@return a job whose payload is the JSON text {@code payloadJson}, stored as given} */
  public static NewJob ofJson(String queue, String kind, String payloadJson) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        0,
        null,
        DEFAULT_MAX_ATTEMPTS,
        null,
        List.of(),
        List.of(),
        null,
        Map.of());
  }

  /** {@return a copy with this priority (higher runs first)} */
  public NewJob withPriority(int priority) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        headers);
  }

  /** {@return a copy due at {@code runAt}} */
  public NewJob withRunAt(Instant runAt) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        headers);
  }

  /** {@return a copy allowed {@code maxAttempts} attempts} */
  public NewJob withMaxAttempts(int maxAttempts) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        headers);
  }

  /** {@return a copy with this unique key in its queue} */
  public NewJob withUniqueKey(String uniqueKey) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        headers);
  }

  /** {@return a copy that runs only after every job in {@code parents} succeeded} */
  public NewJob withParents(List<Long> parents) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        headers);
  }

  /** {@return a copy with these tags} */
  public NewJob withTags(List<String> tags) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        headers);
  }

  /**
   * {@return a copy that spends from the per-key rate bucket {@code rateKey} of its queue}
   *
   * @throws IllegalArgumentException if {@code rateKey} is empty or longer than 200 characters
   */
  public NewJob withRateKey(String rateKey) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        Objects.requireNonNull(rateKey, "rateKey"),
        headers);
  }

  /**
   * {@return a copy carrying these headers (replacing any it had)}
   *
   * @throws IllegalArgumentException if a name is empty or longer than 200 characters
   */
  public NewJob withHeaders(Map<String, String> headers) {
    return new NewJob(
        queue,
        kind,
        payloadJson,
        priority,
        runAt,
        maxAttempts,
        uniqueKey,
        parents,
        tags,
        rateKey,
        Objects.requireNonNull(headers, "headers"));
  }

  /**
   * {@return a copy carrying header {@code name} with {@code value}, beside the headers it had}
   *
   * @throws IllegalArgumentException if {@code name} is empty or longer than 200 characters
   */
  public NewJob withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return withHeaders(more);
  }

  private static Map<String, String> copyHeaders(Map<String, String> headers) {
    Objects.requireNonNull(headers, "headers");
    if (headers.isEmpty()) {
      return Map.of();
    }
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach((name, value) -> {
      requireName("header name", name);
      copy.put(name, Objects.requireNonNull(value, () -> "header '" + name + "' value"));
    });
    return Collections.unmodifiableMap(copy);
  }

  private static void requireName(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty() || value.length() > 200) {
      throw new IllegalArgumentException(
          what + " must have 1 to 200 characters, was '" + value + "'");
    }
  }
}
