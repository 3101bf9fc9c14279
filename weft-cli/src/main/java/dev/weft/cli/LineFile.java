package dev.weft.cli;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An output file of lines that the command appends to as work finishes ({@code --results}, {@code
 * --dead-letter}): opened at start so a bad path fails before any work, each line flushed as it is
 * written so that a crash loses none. Thread-safe (synchronized).
 */
final class LineFile implements Closeable {

  private final BufferedWriter out;

  /**
   * Opens {@code file}, truncating it unless {@code append}.
   *
   * @param flag the flag that named it, for the message
   * @throws BadInput naming the flag and file when it cannot be written
   */
  LineFile(String flag, Path file, boolean append) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      out = writer(file, append);
    } catch (IOException e) {
      throw new BadInput(flag + " '" + file + "' cannot be written: " + JobLog.reason(e), e);
    }
  }

  /**
   * {@return a writer of {@code file} that an interrupt cannot close}: a job's fork may be
   * interrupted (halt-now, Ctrl-C) while it writes its records, and a {@code FileChannel} (behind
   * {@link Files#newBufferedWriter}) would then close for every writer; a {@link FileOutputStream}
   * ignores interrupts. The file is created, or truncated unless {@code append}, by {@link
   * Files#newOutputStream} first, so a bad path fails with its precise {@link IOException}.
   *
   * @param file the file
   * @param append whether to keep what it holds
   * @throws IOException if it cannot be opened for writing
   */
  static BufferedWriter writer(Path file, boolean append) throws IOException {
    Files.newOutputStream(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)
        .close();
    return new BufferedWriter(
        new OutputStreamWriter(new FileOutputStream(file.toFile(), true), StandardCharsets.UTF_8));
  }

  /** Writes to {@code out} (standard output), which {@link #close} flushes but leaves open. */
  LineFile(java.io.PrintStream out) {
    this.out =
        new BufferedWriter(
            new OutputStreamWriter(out, StandardCharsets.UTF_8) {
              @Override
              public void close() throws IOException {
                flush();
              }
            });
  }

  /** Appends {@code line} and a newline, and flushes. */
  synchronized void println(String line) throws IOException {
    out.write(line);
    out.write('\n');
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
