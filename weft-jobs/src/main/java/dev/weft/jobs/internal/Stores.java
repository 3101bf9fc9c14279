package dev.weft.jobs.internal;

import dev.weft.jobs.spi.JobStore;
import dev.weft.time.TimeSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Opens weft's two stores from a location; {@code JobQueue}'s factories call it. */
public final class Stores {

  private Stores() {}

  /** {@return an opened, migrated SQLite store on {@code file}} */
  public static JobStore sqlite(Path file, int poolSize) {
    JobStore store = new SqliteJobStore(file, poolSize);
    migrateOrClose(store);
    return store;
  }

  /** {@return an opened, migrated PostgreSQL store on {@code url} (jdbc: or postgres:// form)} */
  public static JobStore postgres(String url, int poolSize, TimeSource time) {
    JobStore store = new PostgresJobStore(jdbcUrl(url), poolSize, time);
    migrateOrClose(store);
    return store;
  }

  private static void migrateOrClose(JobStore store) {
    try {
      store.migrate();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** {@return whether {@code location} names a PostgreSQL database rather than a SQLite file} */
  public static boolean isPostgres(String location) {
    return location.startsWith("jdbc:postgresql:")
        || location.startsWith("postgres://")
        || location.startsWith("postgresql://");
  }

  /**
   * Turns {@code postgres://user:password@host:port/db?opts} into pgjdbc's {@code
   * jdbc:postgresql://host:port/db?user=…&password=…&opts}; a {@code jdbc:} URL is returned as is.
   *
   * @throws IllegalArgumentException if {@code url} is neither form
   */
  public static String jdbcUrl(String url) {
    if (url.startsWith("jdbc:postgresql:")) {
      return url;
    }
    if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "url must start with postgres://, postgresql:// or jdbc:postgresql:, was '" + url + "'");
    }
    URI uri = URI.create(url);
    StringBuilder out = new StringBuilder("jdbc:postgresql://");
    out.append(uri.getHost() == null ? "localhost" : uri.getHost());
    if (uri.getPort() > 0) {
      out.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    out.append(path == null || path.isEmpty() ? "/" : path);
    StringBuilder query = new StringBuilder();
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      query.append("user=").append(URLDecoder.decode(user, StandardCharsets.UTF_8));
      if (colon >= 0) {
        query
            .append("&password=")
            .append(URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
      }
    }
    if (uri.getRawQuery() != null) {
      if (query.length() > 0) {
        query.append('&');
      }
      query.append(uri.getRawQuery());
    }
    if (query.length() > 0) {
      out.append('?').append(query);
    }
    return out.toString();
  }
}
