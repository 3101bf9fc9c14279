package dev.weft.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/**
 * Layering and banned calls, over the main code of every module on this test's class path (core,
 * test kit, jobs, micrometer, cli), whether it comes as a folder of classes or as a jar.
 */
class ArchitectureTest {

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(location -> !location.contains("-tests.jar")) // weft-jobs' test kit
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

  /**
   * The classes outside {@code dev.weft.task} that may start threads, each for a reason other than
   * running a caller's work in parallel: such work forks through a {@code Scope}, so that the
   * caller's context, deadline and cancellation reach it and the call joins it. A new entry here is
   * a decision to review, and a new fan-out belongs in {@code ForkEngineContractTest}.
   */
  private static final Map<String, String> SERVICE_THREADS =
      Map.ofEntries(
          Map.entry("dev.weft.observe.WeftThreads", "the named thread factories themselves"),
          Map.entry("dev.weft.stream.CpuPool", "the bounded platform pool CPU forks run on"),
          Map.entry("dev.weft.policy.TimeoutTimer", "timer threads that fire deadlines"),
          Map.entry(
              "dev.weft.policy.Timeout", "early-return mode: the caller leaves before the work"),
          Map.entry(
              "dev.weft.policy.CallCache",
              "a shared load outlives the caller that started it; it carries that caller's context"),
          Map.entry("dev.weft.flow.Edges", "debounce timers: a call runs after its caller left"),
          Map.entry(
              "dev.weft.queue.QueueEngine",
              "TaskQueue workers, long-lived; each task runs in its submitter's context"),
          Map.entry("dev.weft.observe.ProgressBar", "the progress renderer"),
          Map.entry("dev.weft.diagnose.Deadlocks", "the deadlock watchdog"),
          Map.entry("dev.weft.diagnose.Workload", "a diagnostic load generator"),
          Map.entry("dev.weft.jobs.Worker", "durable-job workers: a job has no calling task"),
          Map.entry("dev.weft.jobs.internal.PgListener", "PostgreSQL LISTEN connection"),
          Map.entry("dev.weft.test.Stress", "the test kit's stress actors"),
          Map.entry("dev.weft.cli.RunState", "the state file's writer"),
          Map.entry("dev.weft.cli.HaltWatch", "reads halt requests of a distributed run"),
          Map.entry("dev.weft.cli.InterruptHook", "the Ctrl-C shutdown hook"),
          Map.entry("dev.weft.cli.WorkerCommand", "the worker's shutdown hook"),
          Map.entry("dev.weft.cli.ProcessRunner", "readers of a child process's output"),
          Map.entry("dev.weft.cli.FlakyServer", "the demo's loopback HTTP server"),
          Map.entry(
              "dev.weft.cli.dashboard.DashboardServer",
              "the dashboard's HTTP server: a virtual thread per request"));

  private static final DescribedPredicate<JavaCall<?>> STARTS_A_THREAD =
      DescribedPredicate.describe(
          "starts a thread",
          call -> {
            JavaClass owner = call.getTarget().getOwner();
            String name = call.getTarget().getName();
            return (owner.isAssignableTo(ThreadFactory.class) && name.equals("newThread"))
                || (owner.isAssignableTo(Thread.Builder.class)
                    && (name.equals("start") || name.equals("unstarted")))
                || (owner.isEquivalentTo(Thread.class)
                    && (name.equals("<init>") || name.equals("startVirtualThread")))
                || (owner.isEquivalentTo(Executors.class) && name.startsWith("new"))
                || (owner.isAssignableTo(ThreadPoolExecutor.class) && name.equals("<init>"));
          });

  @Test
  void onlyTheEngineStartsThreadsForWork() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.weft.task..")
        .and(
            DescribedPredicate.describe(
                "are not a listed service",
                (JavaClass c) ->
                    !SERVICE_THREADS.containsKey(c.getName())
                        && !SERVICE_THREADS.containsKey(c.getName().replaceFirst("\\$.*", ""))))
        .should()
        .callCodeUnitWhere(STARTS_A_THREAD)
        .because(
            "work forks through dev.weft.task.Scope, which carries the caller's context, deadline"
                + " and cancellation and joins it")
        .check(MAIN);
    assertThat(SERVICE_THREADS.keySet()).allMatch(MAIN::contain, "a class of the main code");
  }

  @Test
  void noModuleReachesIntoAnotherModulesInternals() {
    // each module's plumbing is dev.weft.<module>.internal, exported to nobody
    for (String module : new String[] {"jobs", "micrometer", "cli", "test"}) {
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

  /**
   * weft-core's documented layering (docs/architecture.md), bottom up: each package uses only those
   * below it. The layers must all exist (an empty layer fails the rule), and every package of core
   * must be in one, so the rule can neither guard a package that is gone nor miss a new one.
   */
  @Test
  void coreFollowsItsLayering() {
    Map<String, String[]> mayUse =
        Map.of(
            "time",
            new String[] {},
            "observe",
            new String[] {"time"},
            "task",
            new String[] {"time", "observe"},
            "flow",
            new String[] {"time", "observe", "task"},
            "diagnose",
            new String[] {"time", "observe"},
            "policy",
            new String[] {"time", "observe", "task", "flow"},
            "stream",
            new String[] {"time", "observe", "task", "flow", "policy"},
            "queue",
            new String[] {"time", "observe", "task", "flow", "policy"},
            "channel",
            new String[] {"time", "observe", "task"});
    LayeredArchitecture layers =
        Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (String layer : mayUse.keySet()) {
      layers = layers.layer(layer).definedBy("dev.weft." + layer + "..");
    }
    for (Map.Entry<String, String[]> e : mayUse.entrySet()) {
      layers =
          e.getValue().length == 0
              ? layers.whereLayer(e.getKey()).mayNotAccessAnyLayer()
              : layers.whereLayer(e.getKey()).mayOnlyAccessLayers(e.getValue());
    }
    layers.check(MAIN);

    java.util.Set<String> corePackages =
        MAIN.stream()
            .filter(c ->
                c.getSource().map(s -> s.getUri().toString().contains("weft-core")).orElse(false))
            .map(JavaClass::getPackageName)
            .map(p -> p.substring("dev.weft.".length()).split("\\.")[0])
            .collect(java.util.stream.Collectors.toSet());
    assertThat(mayUse.keySet()).as("the layers against core's packages").isEqualTo(corePackages);
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
