package dev.weft.lincheck;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checks of this package with ten times the scenarios and runs of the default suite, for the
 * soak profile ({@code ./mvnw -B -Psoak -pl weft-test,weft-core verify -Dtest='LincheckSoakTest'
 * -Dsurefire.failIfNoSpecifiedTests=false}): each class with generated scenarios, against its
 * nested {@code Spec}, by model checking and by stress ({@link CallCacheLincheckTest} by stress
 * only, as in the default suite; {@link TaskQueueLincheckTest} by stress only, as its model
 * checking at this size takes more than the 3 minutes a test may). {@link ManualClockLincheckTest}
 * runs fixed scenarios and is not repeated here. The channel classes run smaller in the default
 * suite than {@code Checks}' defaults (see each class), so here they run many times more; {@link
 * ChannelBlockingLincheckTest}'s fixed scenarios run with 33 times its interleavings and 100 times
 * its stress runs.
 */
@Tag("soak")
class LincheckSoakTest {

  @ParameterizedTest
  @ValueSource(
      classes = {
        LimiterLincheckTest.class,
        PermitsLincheckTest.class,
        RateLimiterLincheckTest.class,
        CircuitBreakerLincheckTest.class,
        RendezvousChannelLincheckTest.class,
        BufferedChannelLincheckTest.class,
        UnlimitedChannelLincheckTest.class,
        SelectLincheckTest.class
      })
  void modelChecking(Class<?> test) throws ClassNotFoundException {
    Checks.model()
        .iterations(100)
        .invocationsPerIteration(1000)
        .sequentialSpecification(spec(test))
        .check(test);
  }

  @ParameterizedTest
  @ValueSource(
      classes = {
        LimiterLincheckTest.class,
        PermitsLincheckTest.class,
        RateLimiterLincheckTest.class,
        CircuitBreakerLincheckTest.class,
        TaskQueueLincheckTest.class,
        CallCacheLincheckTest.class,
        RendezvousChannelLincheckTest.class,
        BufferedChannelLincheckTest.class,
        UnlimitedChannelLincheckTest.class,
        SelectLincheckTest.class
      })
  void stress(Class<?> test) throws ClassNotFoundException {
    Checks.stress()
        .iterations(100)
        .invocationsPerIteration(3000)
        .sequentialSpecification(spec(test))
        .check(test);
  }

  @Test
  void blockingChannelScenarios() {
    ModelCheckingOptions model =
        new ModelCheckingOptions().iterations(0).invocationsPerIteration(2000);
    ChannelBlockingLincheckTest.scenarios().forEach(model::addCustomScenario);
    model
        .sequentialSpecification(ChannelBlockingLincheckTest.Spec.class)
        .check(ChannelBlockingLincheckTest.class);
    StressOptions stress = new StressOptions().iterations(0).invocationsPerIteration(10_000);
    ChannelBlockingLincheckTest.scenarios().forEach(stress::addCustomScenario);
    stress
        .sequentialSpecification(ChannelBlockingLincheckTest.Spec.class)
        .check(ChannelBlockingLincheckTest.class);
  }

  private static Class<?> spec(Class<?> test) throws ClassNotFoundException {
    return Class.forName(test.getName() + "$Spec");
  }
}
