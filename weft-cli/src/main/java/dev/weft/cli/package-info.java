/** The {@code weft} command. Uses weft's public API only (an ArchUnit rule checks it). */
@NullMarked
package dev.weft.cli;

import org.jspecify.annotations.NullMarked;
