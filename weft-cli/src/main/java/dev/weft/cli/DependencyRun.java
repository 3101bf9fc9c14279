package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * {@code weft run --jobs FILE}: JSON lines {@code {"id": "b", "cmd": "make b", "needs": ["a"]}}; a
 * job starts as soon as everything it needs has succeeded; the dependants of a job that failed are
 * skipped and reported. The graph is read and checked (unique ids, known needs, no cycle) before
 * anything runs, then fed to the same {@link Runner} as plain input: an iterator that hands out
 * ready jobs and waits while none is ready but some still run.
 *
 * <p>Thread-safe: the iterator is pulled by the runner's producer thread and told about ends by job
 * threads, under one lock.
 */
final class DependencyRun implements Iterator<List<String>> {

  /** One job of the file. */
  record Job(String id, String cmd, List<String> needs) {}

  private final Map<String, Job> jobs;
  private final Map<String, List<String>> dependants = new HashMap<>();
  private final Map<String, Integer> waitingOn = new HashMap<>();
  private final Deque<String> ready = new ArrayDeque<>();
  private final Map<Long, String> bySeq = new HashMap<>();
  private final List<String> skipped = new ArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long handedOut;
  private int running;

  /**
   * Reads and checks {@code file}.
   *
   * @throws BadInput naming the file, line and problem
   */
  DependencyRun(Path file) {
    this.jobs = read(file);
    for (Job j : jobs.values()) {
      waitingOn.put(j.id(), j.needs().size());
      for (String n : j.needs()) {
        if (!jobs.containsKey(n)) {
          throw new BadInput(
              "--jobs '" + file + "': job '" + j.id() + "' needs unknown job '" + n + "'");
        }
        dependants.computeIfAbsent(n, k -> new ArrayList<>()).add(j.id());
      }
      if (j.needs().isEmpty()) {
        ready.add(j.id());
      }
    }
    checkAcyclic(file);
  }

  private static Map<String, Job> read(Path file) {
    ObjectMapper json = new ObjectMapper();
    Map<String, Job> jobs = new LinkedHashMap<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int n = 0;
      for (String line; (line = r.readLine()) != null; ) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = json.readTree(line);
        } catch (IOException e) {
          throw new BadInput("--jobs '" + file + "' line " + n + ": malformed JSON", e);
        }
        JsonNode id = node.get("id");
        JsonNode cmd = node.get("cmd");
        if (id == null || cmd == null || !cmd.isTextual()) {
          throw new BadInput("--jobs '" + file + "' line " + n + ": needs \"id\" and \"cmd\"");
        }
        List<String> needs = new ArrayList<>();
        JsonNode ns = node.get("needs");
        if (ns != null) {
          ns.forEach(x -> needs.add(x.asText()));
        }
        Job j = new Job(id.asText(), cmd.asText(), List.copyOf(needs));
        if (jobs.put(j.id(), j) != null) {
          throw new BadInput("--jobs '" + file + "' line " + n + ": duplicate id '" + j.id() + "'");
        }
      }
    } catch (NoSuchFileException e) {
      throw new BadInput("--jobs '" + file + "' does not exist", e);
    } catch (IOException e) {
      throw new BadInput("--jobs '" + file + "' cannot be read: " + JobLog.reason(e), e);
    }
    return jobs;
  }

  private void checkAcyclic(Path file) {
    Map<String, Integer> left = new HashMap<>(waitingOn);
    Deque<String> q = new ArrayDeque<>(ready);
    int seen = 0;
    while (!q.isEmpty()) {
      String id = q.poll();
      seen++;
      for (String d : dependants.getOrDefault(id, List.of())) {
        if (left.merge(d, -1, Integer::sum) == 0) {
          q.add(d);
        }
      }
    }
    if (seen < jobs.size()) {
      List<String> cyclic =
          left.entrySet().stream()
              .filter(e -> e.getValue() > 0)
              .map(Map.Entry::getKey)
              .sorted()
              .toList();
      throw new BadInput("--jobs '" + file + "': the needs form a cycle through " + cyclic);
    }
  }

  @Override
  public boolean hasNext() {
    lock.lock();
    try {
      while (ready.isEmpty() && running > 0) {
        changed.awaitUninterruptibly();
      }
      return !ready.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<String> next() {
    lock.lock();
    try {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      String id = ready.poll();
      Job j = jobs.get(id);
      if (j == null) {
        throw new NoSuchElementException(id);
      }
      bySeq.put(++handedOut, id);
      running++;
      return List.of(j.cmd());
    } finally {
      lock.unlock();
    }
  }

  /** Told by the runner when job {@code seq} ended. */
  void finished(long seq, boolean ok) {
    lock.lock();
    try {
      String id = bySeq.get(seq);
      if (id == null) {
        return;
      }
      running--;
      if (ok) {
        for (String d : dependants.getOrDefault(id, List.of())) {
          if (waitingOn.merge(d, -1, Integer::sum) == 0) {
            ready.add(d);
          }
        }
      } else {
        skip(id);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void skip(String failed) {
    Deque<String[]> q = new ArrayDeque<>();
    dependants.getOrDefault(failed, List.of()).forEach(d -> q.add(new String[] {d, failed}));
    while (!q.isEmpty()) {
      String[] e = q.poll();
      Integer before = waitingOn.put(e[0], -1);
      if (before == null || before != -1) {
        skipped.add(
            e[0]
                + " (needs "
                + e[1]
                + (e[1].equals(failed) ? ", which failed)" : ", which was skipped)"));
        dependants.getOrDefault(e[0], List.of()).forEach(d -> q.add(new String[] {d, e[0]}));
      }
    }
  }

  /**
   * {@return every job of the file in an order where each comes after all it needs: ready jobs in
   * file order first, then each as soon as its needs are placed (the same order on every read)}
   */
  List<Job> topological() {
    Map<String, Integer> left = new HashMap<>();
    Deque<String> q = new ArrayDeque<>();
    for (Job j : jobs.values()) {
      left.put(j.id(), j.needs().size());
      if (j.needs().isEmpty()) {
        q.add(j.id());
      }
    }
    List<Job> order = new ArrayList<>(jobs.size());
    while (!q.isEmpty()) {
      String id = q.poll();
      order.add(Objects.requireNonNull(jobs.get(id)));
      for (String d : dependants.getOrDefault(id, List.of())) {
        if (left.merge(d, -1, Integer::sum) == 0) {
          q.add(d);
        }
      }
    }
    return order;
  }

  /** {@return the number of jobs in the file} */
  int size() {
    return jobs.size();
  }

  /** {@return the jobs skipped because something they need failed, with the reason} */
  List<String> skipped() {
    lock.lock();
    try {
      return List.copyOf(skipped);
    } finally {
      lock.unlock();
    }
  }

  /** {@return the id of job {@code seq}, if handed out} */
  @Nullable String id(long seq) {
    lock.lock();
    try {
      return bySeq.get(seq);
    } finally {
      lock.unlock();
    }
  }
}
