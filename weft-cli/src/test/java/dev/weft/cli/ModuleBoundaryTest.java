package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reads each weft library's module descriptor from outside, as a user's module would see it, and
 * checks what it exports.
 */
class ModuleBoundaryTest {

  @Test
  void librariesExportOnlyPublicPackagesToEveryone() throws Exception {
    List<ModuleDescriptor> modules = weftModules();
    assertThat(modules)
        .extracting(ModuleDescriptor::name)
        .contains("dev.weft.core", "dev.weft.test", "dev.weft.jobs", "dev.weft.micrometer");
    for (ModuleDescriptor module : modules) {
      assertThat(module.exports())
          .as("exports of %s", module.name())
          .isNotEmpty()
          .allSatisfy(e -> {
            assertThat(e.source()).doesNotContain(".internal");
            assertThat(e.isQualified()).as("qualified export %s", e).isFalse();
          });
      assertThat(module.packages())
          .as("packages of %s", module.name())
          .allSatisfy(p ->
              assertThat(
                      p.contains(".internal")
                          || module.exports().stream().anyMatch(e -> e.source().equals(p)))
                  .as("%s is exported or internal", p)
                  .isTrue());
    }
  }

  @Test
  void coreRequiresNothingButTheJdk() throws Exception {
    ModuleDescriptor core =
        weftModules().stream()
            .filter(m -> m.name().equals("dev.weft.core"))
            .findFirst()
            .orElseThrow();
    assertThat(core.requires())
        .allSatisfy(r ->
            assertThat(
                    r.name().startsWith("java.")
                        || r.name().startsWith("jdk.")
                        || (r.name().equals("org.jspecify")
                            && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)))
                .as(r.toString())
                .isTrue());
  }

  private static List<ModuleDescriptor> weftModules() throws Exception {
    List<ModuleDescriptor> found = new ArrayList<>();
    for (URL url :
        Collections.list(
            ModuleBoundaryTest.class.getClassLoader().getResources("module-info.class"))) {
      Path root;
      if (url.getProtocol().equals("jar")) {
        String file = url.getPath(); // file:/.../x.jar!/module-info.class
        root = Path.of(URI.create(file.substring(0, file.indexOf("!/"))));
      } else {
        root = Path.of(url.toURI()).getParent();
      }
      ModuleFinder.of(root).findAll().stream()
          .map(r -> r.descriptor())
          .filter(d -> d.name().startsWith("dev.weft."))
          .forEach(found::add);
    }
    return found;
  }
}
