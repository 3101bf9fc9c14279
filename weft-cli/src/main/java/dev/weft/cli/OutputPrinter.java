package dev.weft.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Prints each job's captured output as a whole when it finishes, so lines of different jobs never
 * interleave (GNU parallel's default {@code --group}): stdout to stdout, stderr to stderr. With
 * {@code --keep-order} outputs come in job-number order, held back until the earlier jobs are done;
 * with {@code --tag} each line is prefixed with the job's arguments and a TAB.
 *
 * <p>Thread-safe (synchronized; output is written under the lock).
 */
final class OutputPrinter {

  @SuppressWarnings("ArrayRecordComponent") // private carrier, never compared
  private record Pending(byte[] out, byte[] err, @Nullable String tag) {}

  private final OutputStream out;
  private final OutputStream err;
  private final boolean keepOrder;
  private final Map<Long, Pending> held = new HashMap<>();
  private long next = 1;

  OutputPrinter(OutputStream out, OutputStream err, boolean keepOrder) {
    this.out = out;
    this.err = err;
    this.keepOrder = keepOrder;
  }

  /** Prints (or holds back) the output of job {@code seq}. */
  synchronized void print(long seq, byte[] stdout, byte[] stderr, @Nullable String tag)
      throws IOException {
    if (!keepOrder) {
      write(stdout, stderr, tag);
      return;
    }
    held.put(seq, new Pending(stdout, stderr, tag));
    drain();
  }

  /** Marks job {@code seq} as having nothing to print (skipped, killed), releasing later ones. */
  synchronized void skip(long seq) throws IOException {
    if (keepOrder) {
      held.put(seq, new Pending(new byte[0], new byte[0], null));
      drain();
    }
  }

  /** Prints whatever is still held back (at the end of a halted or interrupted run). */
  synchronized void flushAll() throws IOException {
    held.keySet().stream()
        .sorted()
        .toList()
        .forEach(k -> {
          Pending p = held.remove(k);
          try {
            if (p != null) {
              write(p.out(), p.err(), p.tag());
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  private void drain() throws IOException {
    for (Pending p = held.remove(next); p != null; p = held.remove(next)) {
      write(p.out(), p.err(), p.tag());
      next++;
    }
  }

  private void write(byte[] stdout, byte[] stderr, @Nullable String tag) throws IOException {
    if (stdout.length > 0) {
      out.write(tag == null ? stdout : tagged(stdout, tag));
      out.flush();
    }
    if (stderr.length > 0) {
      err.write(tag == null ? stderr : tagged(stderr, tag));
      err.flush();
    }
  }

  private static byte[] tagged(byte[] text, String tag) {
    String s = new String(text, StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(s.length() + 16);
    int i = 0;
    while (i < s.length()) {
      int nl = s.indexOf('\n', i);
      int end = nl < 0 ? s.length() : nl + 1;
      sb.append(tag).append('\t').append(s, i, end);
      i = end;
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
