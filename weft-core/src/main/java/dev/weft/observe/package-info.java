/** Observability SPI: the events weft's components emit and the listener that receives them. */
@NullMarked
package dev.weft.observe;

import org.jspecify.annotations.NullMarked;
