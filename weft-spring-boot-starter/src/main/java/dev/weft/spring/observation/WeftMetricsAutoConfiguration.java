package dev.weft.spring.observation;

import dev.weft.micrometer.MicrometerListener;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * weft-micrometer's {@link MicrometerListener} as a {@code Listener} bean when a {@link
 * MeterRegistry} is: the named policies and the workers report their events (retries, breaker
 * transitions, rejections, job outcomes) as meters. Switch off with {@code
 * weft.metrics.enabled=false}.
 */
@AutoConfiguration(
    afterName =
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass({MicrometerListener.class, MeterRegistry.class})
@ConditionalOnProperty(prefix = "weft.metrics", name = "enabled", matchIfMissing = true)
public class WeftMetricsAutoConfiguration {

  /** {@return the listener that records weft's events in {@code registry}} */
  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnMissingBean
  MicrometerListener weftMicrometerListener(MeterRegistry registry) {
    return new MicrometerListener(registry);
  }
}
