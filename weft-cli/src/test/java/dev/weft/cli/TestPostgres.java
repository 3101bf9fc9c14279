package dev.weft.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The PostgreSQL that tests use: the one named by {@code WEFT_PG_JDBC_URL} (as {@code .ci/run} sets
 * it), else a throwaway server started once per test JVM with {@code scripts/test-postgres} and
 * stopped when the JVM exits (the approach of weft-jobs' own TestPostgres). Missing server binaries
 * fail the test with a one-line reason; no test needing PostgreSQL is ever skipped.
 */
final class TestPostgres {

  private static String url;

  private TestPostgres() {}

  /** {@return a JDBC URL of a running PostgreSQL, starting one if needed} */
  public static synchronized String jdbcUrl() {
    if (url == null) {
      String fromEnv = System.getenv("WEFT_PG_JDBC_URL");
      url = fromEnv != null && !fromEnv.isBlank() ? fromEnv : start();
    }
    return url;
  }

  /**
   * {@return the JDBC URL of a database named {@code name}, dropped and created afresh}
   *
   * @param name a lowercase identifier
   */
  public static String freshDatabase(String name) {
    String base = jdbcUrl();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(base);
        java.sql.Statement s = c.createStatement()) {
      s.execute("drop database if exists " + name + " with (force)");
      s.execute("create database " + name);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    return base.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
  }

  /**
   * {@return the {@code postgres://user@host:port/name} URL of a fresh database {@code name}, as
   * the command takes it}
   */
  static String freshPostgresUrl(String name) {
    String jdbc = freshDatabase(name);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("jdbc:postgresql://([^/]+)/([^?]+)(?:\\?(.*))?")
            .matcher(jdbc);
    if (!m.matches()) {
      throw new IllegalStateException("unexpected JDBC URL " + jdbc);
    }
    String user = "postgres";
    String password = null;
    if (m.group(3) != null) {
      for (String kv : m.group(3).split("&")) {
        if (kv.startsWith("user=")) {
          user = kv.substring(5);
        } else if (kv.startsWith("password=")) {
          password = kv.substring(9);
        }
      }
    }
    return "postgres://"
        + user
        + (password == null ? "" : ":" + password)
        + "@"
        + m.group(1)
        + "/"
        + m.group(2);
  }

  private static String start() {
    Path script = findScript();
    Map<String, String> exports = new HashMap<>();
    try {
      Process p =
          new ProcessBuilder("bash", script.toString(), "start")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          for (String assignment : line.replaceFirst("^export ", "").split(" ")) {
            int eq = assignment.indexOf('=');
            if (eq > 0) {
              exports.put(
                  assignment.substring(0, eq), assignment.substring(eq + 1).replace("'", ""));
            }
          }
        }
      }
      if (p.waitFor() != 0) {
        throw new IllegalStateException("scripts/test-postgres start failed (see stderr above)");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting PostgreSQL", e);
    }
    String dir = exports.get("WEFT_PG_DIR");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    new ProcessBuilder("bash", script.toString(), "stop", String.valueOf(dir))
                        .inheritIO()
                        .start()
                        .waitFor();
                  } catch (IOException | InterruptedException e) {
                    System.err.println("could not stop test PostgreSQL in " + dir + ": " + e);
                  }
                },
                "weft-test-postgres-stop"));
    String jdbc = exports.get("WEFT_PG_JDBC_URL");
    if (jdbc == null) {
      throw new IllegalStateException("scripts/test-postgres printed no WEFT_PG_JDBC_URL");
    }
    return jdbc;
  }

  private static Path findScript() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("scripts/test-postgres");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "scripts/test-postgres not found above " + Path.of("").toAbsolutePath());
  }
}
