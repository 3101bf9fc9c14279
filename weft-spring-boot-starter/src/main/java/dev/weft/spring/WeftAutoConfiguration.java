package dev.weft.spring;

import dev.weft.jobs.JobQueue;
import dev.weft.observe.Listener;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * weft's auto-configuration: the named policies of {@code weft.*} as beans, and (unless {@code
 * weft.jobs.enabled=false}) a {@link JobQueue} with workers for every queue that has handler beans.
 * A {@link Listener} bean, if any, receives the policies' and workers' events.
 */
@AutoConfiguration(
    afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@EnableConfigurationProperties({WeftJobsProperties.class, WeftPolicyProperties.class})
public class WeftAutoConfiguration {

  /** {@return the registrar that makes each named policy a bean} */
  @Bean
  static PolicyBeanRegistrar weftPolicyBeanRegistrar(Environment environment) {
    return new PolicyBeanRegistrar(environment);
  }

  /** {@return the named policies built from {@code weft.*}} */
  @Bean(PolicyBeanRegistrar.POLICIES_BEAN)
  @ConditionalOnMissingBean
  WeftPolicies weftPolicies(WeftPolicyProperties properties, ObjectProvider<Listener> listeners) {
    return new WeftPolicies(properties, listener(listeners));
  }

  static Listener listener(ObjectProvider<Listener> listeners) {
    List<Listener> all = listeners.orderedStream().toList();
    return Listener.all(all);
  }

  /** The job queue, its workers and their handlers. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "weft.jobs", name = "enabled", matchIfMissing = true)
  static class Jobs {

    /** {@return the job queue of {@code weft.jobs.*}, closed after the workers} */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    JobQueue weftJobQueue(WeftJobsProperties properties, Environment environment) {
      return JobQueueFactory.open(properties, environment);
    }

    /** {@return the workers, started and stopped with the application} */
    @Bean
    @ConditionalOnMissingBean
    WeftWorkers weftWorkers(
        ApplicationContext context,
        JobQueue queue,
        WeftJobsProperties properties,
        ObjectProvider<Listener> listeners,
        ObjectProvider<JobHandlerDecorator> decorators) {
      return new WeftWorkers(
          context, queue, properties, listener(listeners), decorators.orderedStream().toList());
    }
  }
}
