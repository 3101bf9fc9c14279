/** Test kit for code that uses weft: a manual clock, leak checks and a stress harness. */
module dev.weft.test {
  requires transitive dev.weft.core;
  requires static org.jspecify;

  exports dev.weft.test;
}
