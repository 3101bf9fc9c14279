/** Micrometer {@code Observation}s of weft's jobs and policy calls. */
@NullMarked
package dev.weft.spring.observation;

import org.jspecify.annotations.NullMarked;
