package dev.weft.spring.observation;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * {@link WeftObservations} when Micrometer's {@link ObservationRegistry} is a bean (Spring Boot
 * Actuator makes one): every job run is observed, and policy calls made through it; and an {@link
 * ObservationPropagator} installed as weft's default propagator while the application runs, so
 * observations made in weft's forks are children of the forking one ({@code
 * weft.observations.forks.enabled=false} to leave forks alone, {@code
 * weft.observations.forks.observe=true} to make each fork an observation {@value
 * ObservationPropagator#TASK}). Switch all of it off with {@code weft.observations.enabled=false}.
 */
@AutoConfiguration(
    beforeName = "dev.weft.spring.WeftAutoConfiguration",
    afterName =
        "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnProperty(prefix = "weft.observations", name = "enabled", matchIfMissing = true)
public class WeftObservationAutoConfiguration {

  /** {@return the observations of jobs and policy calls} */
  @Bean
  @ConditionalOnBean(ObservationRegistry.class)
  @ConditionalOnMissingBean
  WeftObservations weftObservations(ObservationRegistry registry) {
    return new WeftObservations(registry);
  }

  /** {@return the propagator of the current observation into weft's forks} */
  @Bean
  @ConditionalOnBean(ObservationRegistry.class)
  @ConditionalOnMissingBean
  @ConditionalOnProperty(
      prefix = "weft.observations.forks",
      name = "enabled",
      matchIfMissing = true)
  ObservationPropagator weftObservationPropagator(
      ObservationRegistry registry,
      @Value("${weft.observations.forks.observe:false}") boolean observeEachFork) {
    ObservationPropagator p = ObservationPropagator.of(registry);
    return observeEachFork ? p.observingEachFork() : p;
  }

  /**
   * {@return the installation of that propagator as weft's default, undone when the context closes}
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnBean(ObservationPropagator.class)
  AutoCloseable weftObservationPropagation(ObservationPropagator propagator) {
    return propagator.install();
  }
}
