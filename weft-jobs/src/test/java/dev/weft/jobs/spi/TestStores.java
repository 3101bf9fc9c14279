package dev.weft.jobs.spi;

import dev.weft.jobs.internal.StoresForTests;
import java.nio.file.Path;

/** Opens stores without migrating them, to race migrations. */
final class TestStores {
  private TestStores() {}

  static JobStore sqliteUnmigrated(Path file) {
    return StoresForTests.sqlite(file);
  }

  static JobStore postgresUnmigrated(String url) {
    return StoresForTests.postgres(url);
  }
}
