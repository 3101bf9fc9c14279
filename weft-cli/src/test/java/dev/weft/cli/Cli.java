package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the command in this JVM and keeps what it printed. */
final class Cli {

  private static final ObjectMapper JSON = new ObjectMapper();

  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  int exit;

  static Cli run(String stdin, String... args) {
    return run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
  }

  static Cli run(InputStream stdin, String... args) {
    Cli c = new Cli();
    c.exit =
        Main.run(
            args,
            stdin,
            new PrintStream(c.out, true, StandardCharsets.UTF_8),
            new PrintStream(c.err, true, StandardCharsets.UTF_8));
    return c;
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** {@return each line printed to stdout, read as JSON (a results file of weft fetch)} */
  List<JsonNode> jsonLines() {
    return out()
        .lines()
        .map(l -> {
          try {
            return JSON.readTree(l);
          } catch (IOException e) {
            throw new AssertionError("not JSON: " + l, e);
          }
        })
        .toList();
  }
}
