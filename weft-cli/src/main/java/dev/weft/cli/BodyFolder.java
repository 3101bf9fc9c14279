package dev.weft.cli;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The folder of {@code weft fetch --bodies}: the body of the n-th input line in {@code n.body}, and
 * beside it, in {@code n.meta}, the URL and the validators its server sent ({@code ETag}, {@code
 * Last-Modified}), so that fetching into the folder again asks with {@code If-None-Match} / {@code
 * If-Modified-Since} and a {@code 304 Not Modified} keeps the body. Thread-safe: each line has its
 * own files.
 *
 * @param dir the folder
 */
record BodyFolder(Path dir) {

  /**
   * What the server said of a saved body. Immutable.
   *
   * @param etag its {@code ETag}, or null
   * @param lastModified its {@code Last-Modified}, or null
   */
  record Validators(@Nullable String etag, @Nullable String lastModified) {}

  /** {@return where the body of line {@code seq} goes} */
  Path body(long seq) {
    return dir.resolve(seq + ".body");
  }

  private Path meta(long seq) {
    return dir.resolve(seq + ".meta");
  }

  /**
   * {@return the validators of the body saved for line {@code seq}, if it was fetched from {@code
   * url} and is still there; otherwise null}
   */
  @Nullable Validators validators(long seq, String url) {
    try {
      if (!Files.exists(body(seq))) {
        return null;
      }
      List<String> lines = Files.readAllLines(meta(seq), StandardCharsets.UTF_8);
      if (lines.size() < 3 || !lines.get(0).equals(url)) {
        return null; // another URL was on this line then
      }
      String etag = lines.get(1).isEmpty() ? null : lines.get(1);
      String modified = lines.get(2).isEmpty() ? null : lines.get(2);
      return etag == null && modified == null ? null : new Validators(etag, modified);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null; // unreadable: fetch it whole
    }
  }

  /** Saves the body of line {@code seq} and its validators (or drops stale ones). */
  void save(long seq, String url, HttpResponse<byte[]> res) throws IOException {
    Files.write(body(seq), res.body());
    String etag = res.headers().firstValue("ETag").orElse("");
    String modified = res.headers().firstValue("Last-Modified").orElse("");
    if (etag.isEmpty() && modified.isEmpty()) {
      Files.deleteIfExists(meta(seq));
    } else {
      Files.write(meta(seq), List.of(url, etag, modified), StandardCharsets.UTF_8);
    }
  }
}
