package dev.weft.cli;

import dev.weft.observe.Progress;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Where results go; null members are off. */
record FetchSinks(
    LineFile results,
    Format format,
    @Nullable Path bodies,
    @Nullable LineFile deadLetters,
    @Nullable Progress progress,
    @Nullable RunState state) {
  FetchSinks(
      LineFile results,
      @Nullable Path bodies,
      @Nullable LineFile deadLetters,
      @Nullable Progress progress,
      @Nullable RunState state) {
    this(results, Format.JSONL, bodies, deadLetters, progress, state);
  }

  /** How results are written. */
  enum Format {
    /** One JSON object a line. */
    JSONL,
    /** Comma-separated values with a header line (RFC 4180 quoting). */
    CSV
  }

  /** The columns of the results, in order. */
  static final List<String> COLUMNS =
      List.of("url", "status", "bytes", "duration_ms", "attempts", "error", "body");
}
