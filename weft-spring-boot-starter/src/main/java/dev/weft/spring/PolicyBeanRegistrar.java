package dev.weft.spring;

import dev.weft.flow.RateLimiter;
import dev.weft.policy.Bulkhead;
import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.Retry;
import java.util.Set;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * Registers each named policy of {@code weft.*} as a bean of its type, named {@code <name>Retry},
 * {@code <name>CircuitBreaker}, {@code <name>RateLimiter} or {@code <name>Bulkhead}, qualified by
 * {@code <name>}, made by the {@link WeftPolicies} bean. Runs once, when the context is refreshed.
 */
final class PolicyBeanRegistrar implements BeanDefinitionRegistryPostProcessor {

  static final String POLICIES_BEAN = "weftPolicies";

  private final Environment environment;

  PolicyBeanRegistrar(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
    WeftPolicyProperties p =
        Binder.get(environment)
            .bind("weft", WeftPolicyProperties.class)
            .orElseGet(WeftPolicyProperties::new);
    register(
        registry,
        p.getRetry().keySet(),
        "Retry",
        "retry",
        ResolvableType.forClassWithGenerics(Retry.class, Object.class));
    register(
        registry,
        p.getCircuitBreaker().keySet(),
        "CircuitBreaker",
        "circuitBreaker",
        ResolvableType.forClass(CircuitBreaker.class));
    register(
        registry,
        p.getRateLimiter().keySet(),
        "RateLimiter",
        "rateLimiter",
        ResolvableType.forClass(RateLimiter.class));
    register(
        registry,
        p.getBulkhead().keySet(),
        "Bulkhead",
        "bulkhead",
        ResolvableType.forClass(Bulkhead.class));
  }

  private static void register(
      BeanDefinitionRegistry registry,
      Set<String> names,
      String suffix,
      String factoryMethod,
      ResolvableType type) {
    for (String name : names) {
      RootBeanDefinition def = new RootBeanDefinition();
      def.setFactoryBeanName(POLICIES_BEAN);
      def.setFactoryMethodName(factoryMethod);
      def.getConstructorArgumentValues().addGenericArgumentValue(name);
      def.setTargetType(type);
      def.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
      registry.registerBeanDefinition(name + suffix, def);
    }
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    // all work is done on the registry
  }
}
