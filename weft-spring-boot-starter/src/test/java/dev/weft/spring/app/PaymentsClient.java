package dev.weft.spring.app;

import dev.weft.policy.CircuitBreaker;
import dev.weft.policy.Retry;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/** A bean that takes named policies by qualifier, as an application would. */
@Component
public class PaymentsClient {

  public final CircuitBreaker breaker;
  public final Retry<Object> retry;

  public PaymentsClient(
      @Qualifier("payments") CircuitBreaker breaker, @Qualifier("payments") Retry<Object> retry) {
    this.breaker = breaker;
    this.retry = retry;
  }
}
