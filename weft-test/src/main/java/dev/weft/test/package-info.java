/**
 * weft's test kit, for weft's own tests and for users testing their concurrent code: {@link
 * dev.weft.test.ManualClock} replaces real time, {@link dev.weft.test.Leaks} proves that a block
 * left no thread or permit behind.
 */
@NullMarked
package dev.weft.test;

import org.jspecify.annotations.NullMarked;
