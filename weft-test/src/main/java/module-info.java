/**
 * Test kit for code that uses weft: a manual clock, leak checks, a stress harness and a task-tree
 * dump on test timeouts.
 */
module dev.weft.test {
  requires transitive dev.weft.core;
  requires static org.jspecify;
  requires static transitive org.junit.jupiter.api; // TaskTreeOnTimeout

  exports dev.weft.test;
}
