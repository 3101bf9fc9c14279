/** Actuator support for weft: health indicators and the {@code weft} endpoint. */
@NullMarked
package dev.weft.spring.actuate;

import org.jspecify.annotations.NullMarked;
