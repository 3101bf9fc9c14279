package dev.weft.cli;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The arguments of {@code weft run}, one list per job, read lazily: GNU parallel's input sources
 * ({@code ::: a b}, {@code :::: FILE}, {@code -a FILE}, stdin), several sources giving their cross
 * product (the first source varies slowest), linked ones ({@code :::+}, {@code ::::+}) paired
 * element by element up to the shortest. The first group is streamed, so a ten-million-line file or
 * stdin starts at once in flat memory; the later groups of a cross product are held in memory
 * because they are walked once per element of the first.
 *
 * <p>Not thread-safe: one thread pulls the jobs.
 */
final class InputSource implements Iterator<List<String>>, Closeable {

  /** One input source as given: literal values, or lines of a file ({@code -} is stdin). */
  record Spec(@Nullable List<String> values, @Nullable String file, boolean linked) {
    static Spec values(List<String> values, boolean linked) {
      return new Spec(List.copyOf(values), null, linked);
    }

    static Spec file(String file, boolean linked) {
      return new Spec(null, file, linked);
    }

    String describe() {
      return values != null ? "::: " + String.join(" ", values) : ":::: " + file;
    }
  }

  private final List<Spec> specs;
  private final InputStream stdin;
  private final @Nullable Pattern colsep;
  private final List<Iterator<List<String>>> head;
  private final List<Closeable> open = new ArrayList<>();
  private final List<List<List<String>>> rest;
  private final int[] odometer;
  private @Nullable List<String> current;
  private @Nullable List<String> next;
  private boolean done;

  /**
   * {@return {@code file}, given with {@code -a}, checked}
   *
   * @throws BadInput naming {@code -a} and the file when it is missing or unreadable
   */
  static String argFile(String file) {
    Path p = Path.of(file);
    if (!file.equals("-") && !Files.isReadable(p)) {
      throw new BadInput(
          "-a '" + file + "' " + (Files.exists(p) ? "is not readable" : "does not exist"));
    }
    return file;
  }

  /**
   * Opens the sources.
   *
   * @param specs the sources in command-line order; empty means lines of {@code stdin}
   * @param stdin standard input
   * @param colsep splits each line into several arguments when not null
   * @throws BadInput when an input file is missing or unreadable, naming it
   */
  InputSource(List<Spec> specs, InputStream stdin, @Nullable Pattern colsep) {
    this.specs = specs.isEmpty() ? List.of(Spec.file("-", false)) : List.copyOf(specs);
    this.stdin = stdin;
    this.colsep = colsep;
    for (Spec s : this.specs) {
      String f = s.file();
      if (f != null && !f.equals("-") && !Files.isReadable(Path.of(f))) {
        throw new BadInput(
            "input file '"
                + f
                + "' "
                + (Files.exists(Path.of(f)) ? "is not readable" : "does not exist"));
      }
    }
    List<List<Spec>> groups = groups(this.specs);
    this.head = new ArrayList<>();
    for (Spec s : groups.getFirst()) {
      head.add(stream(s));
    }
    this.rest = new ArrayList<>();
    for (List<Spec> g : groups.subList(1, groups.size())) {
      List<Iterator<List<String>>> its = new ArrayList<>();
      for (Spec s : g) {
        its.add(stream(s));
      }
      List<List<String>> all = new ArrayList<>();
      for (List<String> t = zip(its); t != null; t = zip(its)) {
        all.add(t);
      }
      rest.add(all);
    }
    this.odometer = new int[rest.size()];
  }

  /** {@return the sources as they would be written on a command line, for the run's identity} */
  String describe() {
    StringBuilder sb = new StringBuilder();
    for (Spec s : specs) {
      sb.append(s.linked() ? "+" : "").append(s.describe()).append('\n');
    }
    return sb.toString();
  }

  /** {@return whether a source is stdin, which a later run cannot read again} */
  boolean readsStdin() {
    return specs.stream().anyMatch(s -> s.values() == null && "-".equals(s.file()));
  }

  /**
   * {@return the number of jobs when it can be known without consuming the input: every source a
   * list or a regular file (counted by reading it once more), never stdin}
   */
  OptionalLong countTotal() {
    List<List<Spec>> groups = groups(specs);
    long total = 1;
    for (List<Spec> g : groups) {
      long min = Long.MAX_VALUE;
      for (Spec s : g) {
        List<String> v = s.values();
        String f = s.file();
        long n;
        if (v != null) {
          n = v.size();
        } else if (f != null && !f.equals("-")) {
          try (BufferedReader r = Files.newBufferedReader(Path.of(f), StandardCharsets.UTF_8)) {
            n = r.lines().count();
          } catch (IOException | UncheckedIOException e) {
            return OptionalLong.empty();
          }
        } else {
          return OptionalLong.empty();
        }
        min = Math.min(min, n);
      }
      total *= min;
    }
    return OptionalLong.of(total);
  }

  private static List<List<Spec>> groups(List<Spec> specs) {
    List<List<Spec>> groups = new ArrayList<>();
    for (Spec s : specs) {
      if (s.linked() && !groups.isEmpty()) {
        groups.getLast().add(s);
      } else {
        groups.add(new ArrayList<>(List.of(s)));
      }
    }
    return groups;
  }

  private Iterator<List<String>> stream(Spec s) {
    List<String> values = s.values();
    if (values != null) {
      return values.stream().map(this::columns).iterator();
    }
    String f = s.file();
    BufferedReader reader;
    try {
      reader =
          f == null || f.equals("-")
              ? new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8), 1 << 16)
              : Files.newBufferedReader(Path.of(f), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BadInput("input file '" + f + "' does not exist", e);
    } catch (IOException e) {
      throw new BadInput("input file '" + f + "' cannot be read: " + e.getMessage(), e);
    }
    open.add(reader);
    return new Iterator<>() {
      private @Nullable String line;
      private boolean eof;

      @Override
      public boolean hasNext() {
        if (line == null && !eof) {
          try {
            line = reader.readLine();
          } catch (IOException e) {
            throw new UncheckedIOException("reading input " + (f == null ? "-" : f), e);
          }
          eof = line == null;
        }
        return line != null;
      }

      @Override
      public List<String> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String l = line;
        line = null;
        return columns(l == null ? "" : l);
      }
    };
  }

  private List<String> columns(String line) {
    Pattern c = colsep;
    return c == null ? List.of(line) : List.of(c.split(line, -1));
  }

  private static @Nullable List<String> zip(List<Iterator<List<String>>> its) {
    if (its.size() == 1) {
      return its.getFirst().hasNext() ? its.getFirst().next() : null;
    }
    List<String> t = new ArrayList<>();
    for (Iterator<List<String>> it : its) {
      if (!it.hasNext()) {
        return null;
      }
      t.addAll(it.next());
    }
    return t;
  }

  @Override
  public boolean hasNext() {
    if (next == null && !done) {
      next = advance();
      done = next == null;
    }
    return next != null;
  }

  @Override
  public List<String> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    List<String> n = next;
    next = null;
    return n == null ? List.of() : n;
  }

  private @Nullable List<String> advance() {
    for (List<List<String>> r : rest) {
      if (r.isEmpty()) {
        return null;
      }
    }
    // odometer over the in-memory groups; the streamed head moves when it wraps
    int i = odometer.length - 1;
    if (current != null) {
      while (i >= 0) {
        if (++odometer[i] < rest.get(i).size()) {
          break;
        }
        odometer[i] = 0;
        i--;
      }
    }
    if (current == null || i < 0) {
      current = zip(head);
      if (current == null) {
        return null;
      }
    }
    if (rest.isEmpty()) {
      return current;
    }
    List<String> t = new ArrayList<>(current);
    for (int g = 0; g < rest.size(); g++) {
      t.addAll(rest.get(g).get(odometer[g]));
    }
    return t;
  }

  @Override
  public void close() throws IOException {
    for (Closeable c : open) {
      c.close();
    }
  }
}
