package dev.weft.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Layering and banned calls, over the main code of every module on this test's class path (core,
 * test kit, jobs, micrometer, cli), whether it comes as a folder of classes or as a jar.
 */
class ArchitectureTest {

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.weft");

  @Test
  void onlyTheTimeSeamReadsOrWaitsOnRealTime() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.weft.time..")
        .should()
        .callMethod(Thread.class, "sleep", long.class)
        .orShould()
        .callMethod(Thread.class, "sleep", java.time.Duration.class)
        .orShould()
        .callMethod(Thread.class, "sleep", long.class, int.class)
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(Math.class, "random")
        .because(
            "time is injected through dev.weft.time.TimeSource, so tests run on a manual clock")
        .check(MAIN);
  }

  @Test
  void noModuleReachesIntoAnotherModulesInternals() {
    // core's internals are dev.weft.internal; each other module's are dev.weft.<module>.internal
    for (String module : new String[] {"jobs", "micrometer", "cli", "test"}) {
      noClasses()
          .that()
          .resideInAPackage("dev.weft." + module + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.weft.internal..")
          .because("core's internal package is not exported")
          .allowEmptyShould(true)
          .check(MAIN);
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.weft." + module + "..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.weft." + module + ".internal..")
          .because("a module's internal package is its own")
          .allowEmptyShould(true)
          .check(MAIN);
    }
  }

  @Test
  void theCommandUsesOnlyPublicApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.weft.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..internal..", "dev.weft.jobs.spi..")
        .check(MAIN);
  }

  @Test
  void libraryNeverDependsOnTheCommand() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.weft.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.weft.cli..")
        .check(MAIN);
  }

  @Test
  void packagesHaveNoCycles() {
    SlicesRuleDefinition.slices().matching("dev.weft.(*)..").should().beFreeOfCycles().check(MAIN);
  }
}
