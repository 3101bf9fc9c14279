/**
 * weft's core: structured tasks, flow control, resilience policies, queues, pipelines and
 * observability on virtual threads. Depends on the JDK alone.
 */
module dev.weft.core {
  requires static org.jspecify;
  // diagnose: thread dumps and thread CPU time (java.management, jdk.management), pinning (jdk.jfr)
  requires java.management;
  requires jdk.management;
  requires jdk.jfr;

  exports dev.weft.time;
  exports dev.weft.observe;
  exports dev.weft.policy;
  exports dev.weft.diagnose;
}
