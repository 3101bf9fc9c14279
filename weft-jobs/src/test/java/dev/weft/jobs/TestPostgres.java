package dev.weft.jobs;

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
 * stopped when the JVM exits. Missing server binaries fail the test with a one-line reason; no test
 * needing PostgreSQL is ever skipped.
 */
public final class TestPostgres {

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

  private static final java.util.Set<String> CREATED = new java.util.HashSet<>();

  /**
   * {@return the JDBC URL of database {@code name}, created once per JVM and emptied of weft's
   * tables on every call (much faster than creating a database)}
   *
   * @param name a lowercase identifier
   */
  public static synchronized String emptyDatabase(String name) {
    if (CREATED.add(name)) {
      return freshDatabase(name);
    }
    String url = jdbcUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
        java.sql.Statement s = c.createStatement()) {
      s.execute(
          "drop table if exists weft_jobs, weft_job_deps, weft_workers, weft_queues, weft_rate_keys, weft_paused,"
              + " weft_schema");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot empty database " + name + ": " + e.getMessage(), e);
    }
    return url;
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
