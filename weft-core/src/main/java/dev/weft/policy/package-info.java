/**
 * Resilience policies: backoff, retry, circuit breaker, bulkhead, timeout, fallback, single-flight
 * cache, and their composition.
 */
@NullMarked
package dev.weft.policy;

import org.jspecify.annotations.NullMarked;
