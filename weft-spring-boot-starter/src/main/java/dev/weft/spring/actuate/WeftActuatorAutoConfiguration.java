package dev.weft.spring.actuate;

import dev.weft.jobs.JobQueue;
import dev.weft.spring.WeftAutoConfiguration;
import dev.weft.spring.WeftPolicies;
import dev.weft.spring.WeftWorkers;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Health indicators ({@code weftJobStore}, {@code weftWorkers}, {@code weftCircuitBreakers}; each
 * can be switched off with {@code management.health.weft.enabled=false}) and the {@code weft}
 * endpoint, when Spring Boot Actuator is on the class path.
 */
@AutoConfiguration(after = WeftAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
public class WeftActuatorAutoConfiguration {

  /** {@return the job store's health} */
  @Bean
  @ConditionalOnBean(JobQueue.class)
  @ConditionalOnEnabledHealthIndicator("weft")
  @ConditionalOnMissingBean(name = "weftJobStoreHealthIndicator")
  HealthIndicator weftJobStoreHealthIndicator(JobQueue queue) {
    return WeftHealth.jobStore(queue);
  }

  /** {@return the health of this application's workers} */
  @Bean
  @ConditionalOnBean({JobQueue.class, WeftWorkers.class})
  @ConditionalOnEnabledHealthIndicator("weft")
  @ConditionalOnMissingBean(name = "weftWorkersHealthIndicator")
  HealthIndicator weftWorkersHealthIndicator(JobQueue queue, WeftWorkers workers) {
    return WeftHealth.workers(queue, workers);
  }

  /** {@return the named circuit breakers' health} */
  @Bean
  @ConditionalOnBean(WeftPolicies.class)
  @ConditionalOnEnabledHealthIndicator("weft")
  @ConditionalOnMissingBean(name = "weftCircuitBreakersHealthIndicator")
  HealthIndicator weftCircuitBreakersHealthIndicator(WeftPolicies policies) {
    return WeftHealth.circuitBreakers(policies);
  }

  /** {@return the weft endpoint} */
  @Bean
  @ConditionalOnAvailableEndpoint
  @ConditionalOnBean(WeftPolicies.class)
  @ConditionalOnMissingBean
  WeftEndpoint weftEndpoint(
      ObjectProvider<JobQueue> queue, ObjectProvider<WeftWorkers> workers, WeftPolicies policies) {
    return new WeftEndpoint(queue.getIfAvailable(), workers.getIfAvailable(), policies);
  }
}
