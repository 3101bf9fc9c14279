package dev.weft.cli;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code --joblog FILE} in GNU parallel's format: a header, then one TAB-separated line per try in
 * completion order: {@code Seq Host Starttime JobRuntime Send Receive Exitval Signal Command},
 * start time as epoch seconds with three decimals, run time as {@code %10.3f}, Receive the bytes of
 * output, a timed-out job with Exitval -1 and Signal 15. Unlike GNU parallel, which logs only the
 * last try, every try is logged. Each line is flushed when written, so a crash loses none.
 *
 * <p>Thread-safe (synchronized).
 */
final class JobLog implements Closeable {

  private static final String HEADER =
      "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

  private final BufferedWriter out;

  /**
   * Opens {@code file}: truncated with a new header, or appended to when {@code append} (a resumed
   * run), with a header only if it is empty.
   *
   * @throws BadInput naming the file when it cannot be written
   */
  JobLog(Path file, boolean append) {
    try {
      boolean empty = !Files.exists(file) || Files.size(file) == 0;
      out = LineFile.writer(file, append); // one an interrupt of a job's fork cannot close
      if (!append || empty) {
        out.write(HEADER);
        out.flush();
      }
    } catch (IOException e) {
      throw new BadInput("--joblog '" + file + "' cannot be written: " + reason(e), e);
    }
  }

  static String reason(IOException e) {
    String name = e.getClass().getSimpleName();
    return switch (name) {
      case "AccessDeniedException" -> "permission denied";
      case "NoSuchFileException" -> "no such directory";
      case "FileAlreadyExistsException", "NotDirectoryException" ->
          "'" + ((java.nio.file.FileSystemException) e).getFile() + "' is not a directory";
      case "FileSystemException" ->
          String.valueOf(((java.nio.file.FileSystemException) e).getReason());
      default -> e.getMessage() == null ? name : e.getMessage();
    };
  }

  /** Writes the line of one try. */
  synchronized void write(
      long seq,
      Instant start,
      Duration runtime,
      long received,
      int exit,
      int signal,
      String command)
      throws IOException {
    out.write(
        String.format(
            Locale.ROOT,
            "%d\t:\t%d.%03d\t%10.3f\t0\t%d\t%d\t%d\t%s\n",
            seq,
            start.getEpochSecond(),
            start.getNano() / 1_000_000,
            runtime.toNanos() / 1e9,
            received,
            exit,
            signal,
            command.replace("\n", "\\n")));
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
