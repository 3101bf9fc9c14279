package dev.weft.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * weft-cli's ArchitectureTest rules for this module, which weft-cli does not depend on: main code
 * reads time only through dev.weft.time, starts no threads of its own and does not reach into
 * another module's internal package.
 */
class TimeAndThreadRulesTest {

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.weft.spring");

  @Test
  void timeIsReadOnlyThroughTheTimeSeam() {
    noClasses()
        .should()
        .callMethod(Thread.class, "sleep", long.class)
        .orShould()
        .callMethod(Thread.class, "sleep", java.time.Duration.class)
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(Instant.class, "now")
        .because("time is injected through dev.weft.time.TimeSource")
        .check(MAIN);
  }

  @Test
  void noThreadsAndNoInternals() {
    noClasses()
        .should()
        .callMethod(Thread.class, "start")
        .orShould()
        .callMethod(Thread.class, "startVirtualThread", Runnable.class)
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("dev.weft..internal..")
        .because("work forks through weft's engine, and modules use each other's public API")
        .check(MAIN);
  }
}
