/** A Spring Boot service using weft-spring-boot-starter. */
@NullMarked
package dev.weft.example.spring;

import org.jspecify.annotations.NullMarked;
