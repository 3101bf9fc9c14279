package dev.weft.cli;

import dev.weft.jobs.TestPostgres;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The command's view of the test PostgreSQL (weft-jobs' {@link TestPostgres}): its URL form. */
final class CliPostgres {

  private static final Pattern JDBC =
      Pattern.compile("jdbc:postgresql://([^/]+)/([^?]+)(?:\\?(.*))?");

  private CliPostgres() {}

  /**
   * {@return the {@code postgres://user@host:port/name} URL of a fresh database {@code name}, as
   * the command takes it}
   */
  static String freshPostgresUrl(String name) {
    String jdbc = TestPostgres.freshDatabase(name);
    Matcher m = JDBC.matcher(jdbc);
    if (!m.matches()) {
      throw new IllegalStateException("unexpected JDBC URL " + jdbc);
    }
    String user = "postgres";
    @Nullable String password = null;
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
}
