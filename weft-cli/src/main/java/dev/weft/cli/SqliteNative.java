package dev.weft.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * Start-up cost of the state: sqlite-jdbc writes its 1 MB native library into {@code /tmp} under a
 * fresh name on every start. This keeps one copy per sqlite-jdbc version in {@code ~/.cache/weft}
 * (or {@code $XDG_CACHE_HOME/weft}) and points sqlite-jdbc at it, so later starts only load it. Any
 * failure leaves sqlite-jdbc to its own way. Thread-safe (idempotent; the copy is published by an
 * atomic rename).
 */
final class SqliteNative {

  private SqliteNative() {}

  /** Points sqlite-jdbc at the cached library, copying it there first if needed. */
  static void useCache() {
    if (System.getProperty("org.sqlite.lib.path") != null) {
      return;
    }
    try {
      String folder = OSInfo.getNativeLibFolderPathForCurrentOS();
      String name = System.mapLibraryName("sqlitejdbc");
      String resource = "/org/sqlite/native/" + folder + "/" + name;
      String xdg = System.getenv("XDG_CACHE_HOME");
      Path base =
          xdg == null || xdg.isBlank()
              ? Path.of(System.getProperty("user.home"), ".cache")
              : Path.of(xdg);
      Path dir =
          base.resolve("weft")
              .resolve("sqlite-" + SQLiteJDBCLoader.getVersion() + "-" + folder.replace('/', '-'));
      Path lib = dir.resolve(name);
      if (!Files.isRegularFile(lib)) {
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
          if (in == null) {
            return;
          }
          Files.createDirectories(dir);
          Path tmp = Files.createTempFile(dir, name, ".part");
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      System.setProperty("org.sqlite.lib.path", dir.toString());
      System.setProperty("org.sqlite.lib.name", name);
    } catch (IOException | RuntimeException e) {
      // sqlite-jdbc extracts to /tmp itself
    }
  }
}
