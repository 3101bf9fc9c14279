package dev.weft.spring.observation;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * {@link WeftObservations} when Micrometer's {@link ObservationRegistry} is a bean (Spring Boot
 * Actuator makes one): every job run is observed, and policy calls made through it. Switch off with
 * {@code weft.observations.enabled=false}.
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
}
