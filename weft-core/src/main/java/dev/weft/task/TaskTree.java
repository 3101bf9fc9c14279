package dev.weft.task;

import dev.weft.observe.WeftThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The live tree of weft's structured work, for a human or a tool to read when something hangs:
 * every scope with a fork still running (the fan-outs of {@link Tasks}, {@code Limiter.map}, the
 * stream stages, {@code TaskGraph} and the command's runs all fork through scopes), nested under
 * the fork that opened it, with its name, age, deadline and cancellation, and each running fork
 * with its thread and, when {@linkplain #text(boolean) asked}, that thread's stack.
 *
 * <p>A snapshot taken without stopping anything: forks that start or settle while it is taken may
 * be in it or not. Thread-safe; costs nothing until called (scopes are already listed for leak
 * checks). The command prints it on {@code SIGQUIT} beside the JVM's thread dump; weft-test's
 * {@code DumpTasksOnTimeout} prints it when a test times out.
 *
 * {@snippet :
 * System.err.println(TaskTree.text(true));
 * // scope 'Tasks.all' owned by 'main': 3 forks, 2 running, age PT1.204S, deadline in PT28.79S
 * //   task #1 RUNNING on 'weft-scope' #41
 * //       at java.base/java.lang.Thread.sleep(Thread.java:...)
 * }
 */
public final class TaskTree {

  /** At most this many running forks are listed per scope; the rest are counted. */
  private static final int MAX_FORKS_LISTED = 64;

  private TaskTree() {}

  /** {@return the tree as indented text, with the stack of each running fork} */
  public static String text() {
    return text(true);
  }

  /**
   * {@return the tree as indented text, one scope or fork per line}
   *
   * @param stacks whether to add the stack of each running fork's thread
   */
  public static String text(boolean stacks) {
    Snapshot snap = Snapshot.take();
    StringBuilder out = new StringBuilder();
    if (snap.roots.isEmpty() && Abandoned.describeRunning().isEmpty()) {
      out.append("weft task tree: no scope has a running fork\n");
    }
    for (Scope root : snap.roots) {
      text(snap, root, 0, stacks, out);
    }
    for (String line : Abandoned.describeRunning()) {
      out.append(line).append('\n');
    }
    return out.toString();
  }

  /**
   * {@return the tree as one JSON object: {@code {"scopes": [...]}}, each scope with {@code name},
   * {@code owner}, {@code forks}, {@code running}, {@code cancelled}, {@code ageNanos}, {@code
   * deadlineNanos} (time left, absent without a deadline) and {@code tasks}, each running fork with
   * {@code name}, {@code index}, {@code thread}, {@code stack} and its own {@code scopes}}
   */
  public static String json() {
    Snapshot snap = Snapshot.take();
    StringBuilder out = new StringBuilder("{\"scopes\":");
    jsonScopes(snap, snap.roots, out);
    List<String> abandoned = Abandoned.describeRunning();
    if (!abandoned.isEmpty()) {
      out.append(",\"abandoned\":[");
      for (int i = 0; i < abandoned.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        string(out, abandoned.get(i));
      }
      out.append(']');
    }
    return out.append('}').toString();
  }

  private static void text(
      Snapshot snap, Scope scope, int depth, boolean stacks, StringBuilder out) {
    indent(out, depth)
        .append(scope.describe())
        .append(" owned by '")
        .append(scope.owner.getName())
        .append("': ")
        .append(scope.forkCount())
        .append(" forks, ")
        .append(scope.pending())
        .append(" running, age ")
        .append(Duration.ofNanos(scope.time.read() - scope.openedAt));
    if (!scope.deadline.isNever()) {
      out.append(", deadline in ").append(scope.deadline.remaining());
    }
    if (scope.isCancelled()) {
      out.append(", cancelled");
    }
    out.append('\n');
    List<ForkImpl<?>> running = running(scope);
    for (int i = 0; i < running.size() && i < MAX_FORKS_LISTED; i++) {
      ForkImpl<?> fork = running.get(i);
      Thread t = fork.runner;
      indent(out, depth + 1).append(fork.name()).append(" RUNNING");
      if (t != null) {
        out.append(" on '").append(t.getName()).append("' #").append(t.threadId());
      } else {
        out.append(" (not started yet)");
      }
      out.append('\n');
      if (stacks && t != null) {
        for (StackTraceElement e : t.getStackTrace()) {
          indent(out, depth + 3).append("at ").append(e).append('\n');
        }
      }
      for (Scope child : snap.childrenOf(scope, t)) {
        text(snap, child, depth + 2, stacks, out);
      }
    }
    if (running.size() > MAX_FORKS_LISTED) {
      indent(out, depth + 1)
          .append("... and ")
          .append(running.size() - MAX_FORKS_LISTED)
          .append(" more running\n");
    }
  }

  private static void jsonScopes(Snapshot snap, List<Scope> scopes, StringBuilder out) {
    out.append('[');
    for (int s = 0; s < scopes.size(); s++) {
      Scope scope = scopes.get(s);
      if (s > 0) {
        out.append(',');
      }
      out.append("{\"name\":");
      string(out, scope.name == null ? "scope" : scope.name);
      out.append(",\"owner\":");
      string(out, scope.owner.getName());
      out.append(",\"forks\":").append(scope.forkCount());
      out.append(",\"running\":").append(scope.pending());
      out.append(",\"cancelled\":").append(scope.isCancelled());
      out.append(",\"ageNanos\":").append(scope.time.read() - scope.openedAt);
      if (!scope.deadline.isNever()) {
        out.append(",\"deadlineNanos\":").append(scope.deadline.remaining().toNanos());
      }
      out.append(",\"tasks\":[");
      List<ForkImpl<?>> running = running(scope);
      for (int i = 0; i < running.size() && i < MAX_FORKS_LISTED; i++) {
        ForkImpl<?> fork = running.get(i);
        Thread t = fork.runner;
        if (i > 0) {
          out.append(',');
        }
        out.append("{\"name\":");
        string(out, fork.name());
        out.append(",\"index\":").append(fork.index);
        if (t != null) {
          out.append(",\"thread\":");
          string(out, t.getName() + " #" + t.threadId());
          out.append(",\"stack\":[");
          StackTraceElement[] stack = t.getStackTrace();
          for (int k = 0; k < stack.length; k++) {
            if (k > 0) {
              out.append(',');
            }
            string(out, stack[k].toString());
          }
          out.append(']');
        }
        out.append(",\"scopes\":");
        jsonScopes(snap, snap.childrenOf(scope, t), out);
        out.append('}');
      }
      out.append("]}");
    }
    out.append(']');
  }

  private static List<ForkImpl<?>> running(Scope scope) {
    List<ForkImpl<?>> out = new ArrayList<>();
    int n = scope.forkCount();
    for (int i = 0; i < n; i++) {
      ForkImpl<?> f = scope.forkAt(i);
      if (f.outcome == ForkImpl.PENDING) {
        out.add(f);
      }
    }
    return out;
  }

  private static StringBuilder indent(StringBuilder out, int depth) {
    return out.repeat("  ", depth);
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** The scopes with a running fork, and which scope each was opened under. */
  private record Snapshot(List<Scope> roots, Map<Scope, List<Scope>> children) {

    static Snapshot take() {
      List<Scope> all = new ArrayList<>();
      for (WeftThreads.Group g : WeftThreads.groups()) {
        if (g instanceof ScopeThreads threads) {
          Scope s = threads.scope();
          if (s != null) { // null: the scope closed meanwhile, so no fork of it runs
            all.add(s);
          }
        }
      }
      Set<Scope> live = new HashSet<>(all); // a scope's equality is its identity
      List<Scope> roots = new ArrayList<>();
      Map<Scope, List<Scope>> children = new HashMap<>();
      for (Scope s : all) {
        Scope p = s.parent;
        if (p == null || !live.contains(p) || !openedByARunningFork(p, s)) {
          roots.add(s);
        } else {
          children.computeIfAbsent(p, k -> new ArrayList<>()).add(s);
        }
      }
      return new Snapshot(roots, children);
    }

    @SuppressWarnings("ReferenceEquality") // a scope's owner is that very thread
    private static boolean openedByARunningFork(Scope parent, Scope child) {
      for (ForkImpl<?> f : running(parent)) {
        if (f.runner == child.owner) {
          return true;
        }
      }
      return false;
    }

    /** {@return the scopes opened under {@code parent} by the fork running on {@code thread}} */
    @SuppressWarnings("ReferenceEquality") // a scope's owner is that very thread
    List<Scope> childrenOf(Scope parent, @Nullable Thread thread) {
      List<Scope> out = new ArrayList<>();
      if (thread == null) {
        return out;
      }
      for (Scope c : children.getOrDefault(parent, List.of())) {
        if (c.owner == thread) {
          out.add(c);
        }
      }
      return out;
    }
  }
}
