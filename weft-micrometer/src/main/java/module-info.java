/** Micrometer binding of weft's events. */
module dev.weft.micrometer {
  requires transitive dev.weft.core;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports dev.weft.micrometer;
}
