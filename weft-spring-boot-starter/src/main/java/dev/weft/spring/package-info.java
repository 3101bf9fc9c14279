/**
 * Spring Boot auto-configuration for weft: a {@link dev.weft.jobs.JobQueue} bean, workers started
 * and stopped in the application's lifecycle, handlers discovered as beans ({@link
 * dev.weft.spring.JobHandler}), named policies from properties, actuator health indicators and the
 * {@code weft} endpoint. See docs/spring.md.
 */
@NullMarked
package dev.weft.spring;

import org.jspecify.annotations.NullMarked;
