/**
 * weft's core: structured tasks, flow control, resilience policies, queues, pipelines and
 * observability on virtual threads. Depends on the JDK alone.
 */
module dev.weft.core {
  requires static transitive org.jspecify;
  // diagnose: thread dumps and thread CPU time (java.management, jdk.management), pinning (jdk.jfr)
  requires java.management;
  requires jdk.management;
  requires jdk.jfr;

  exports dev.weft.channel;
  exports dev.weft.diagnose;
  exports dev.weft.flow;
  exports dev.weft.observe;
  exports dev.weft.policy;
  exports dev.weft.queue;
  exports dev.weft.stream;
  exports dev.weft.task;
  exports dev.weft.time;
}
