package dev.weft.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.task.TaskFailedException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class ParallelTest {

  @RepeatedTest(10)
  void mapKeepsInputOrderOnThePlatformPool() {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<Integer> in = IntStream.range(0, 10_000).boxed().toList();
    List<Long> out =
        Parallel.map(
            in,
            i -> {
              threads.add(Thread.currentThread().getName());
              return (long) i * i;
            });
    assertThat(out).isEqualTo(in.stream().map(i -> (long) i * i).toList());
    assertThat(threads).allMatch(n -> n.startsWith("weft-cpu-"));
    assertThat(threads.size()).isLessThanOrEqualTo(Parallel.threads());
  }

  @Test
  void forEachVisitsEveryItemOnce() {
    AtomicInteger sum = new AtomicInteger();
    Parallel.forEach(IntStream.rangeClosed(1, 1000).boxed().toList(), sum::addAndGet);
    assertThat(sum.get()).isEqualTo(500_500);
  }

  @Test
  void emptyAndNullResultsAreFine() {
    assertThat(Parallel.map(List.of(), x -> x)).isEmpty();
    assertThat(Parallel.map(List.of(1, 2), x -> null)).containsExactly(null, null);
  }

  @RepeatedTest(10)
  void theFirstFailureStopsTheRestAndIsThrownWithItsPosition() {
    AtomicInteger ran = new AtomicInteger();
    List<Integer> in = IntStream.range(0, 100_000).boxed().toList();
    assertThatThrownBy(() ->
            Parallel.map(
                in,
                i -> {
                  ran.incrementAndGet();
                  if (i == 10) {
                    throw new IOException("bad input 10");
                  }
                  return i;
                }))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageStartingWith("task #10 failed after ")
        .hasMessageEndingWith(": java.io.IOException: bad input 10");
    assertThat(ran.get()).isLessThan(in.size());
  }

  @Test
  void nestedCallsRunInlineInsteadOfDeadlockingThePool() {
    List<Integer> outer = IntStream.range(0, 16).boxed().toList();
    List<Integer> sums =
        Parallel.map(
            outer,
            i ->
                Parallel.map(IntStream.range(0, 100).boxed().toList(), j -> j).stream()
                        .mapToInt(Integer::intValue)
                        .sum()
                    + i);
    assertThat(sums).containsExactlyElementsOf(outer.stream().map(i -> 4950 + i).toList());
  }

  @Test
  void pipelineRunsIoThenCpuAndKeepsInputOrder() {
    List<String> ioThreads = Collections.synchronizedList(new ArrayList<>());
    List<String> cpuThreads = Collections.synchronizedList(new ArrayList<>());
    List<Integer> in = IntStream.range(0, 500).boxed().toList();
    List<String> out =
        Pipeline.ioThenCpu(
            in,
            16,
            i -> {
              ioThreads.add(Thread.currentThread().isVirtual() ? "virtual" : "platform");
              return "x".repeat(i % 7);
            },
            s -> {
              cpuThreads.add(Thread.currentThread().getName());
              return s.length() + ":" + s;
            });
    assertThat(out).isEqualTo(in.stream().map(i -> (i % 7) + ":" + "x".repeat(i % 7)).toList());
    assertThat(ioThreads).containsOnly("virtual");
    assertThat(cpuThreads).allMatch(n -> n.startsWith("weft-cpu-"));
  }

  @Test
  void pipelineSurfacesAFailureFromTheCpuStageWithThePosition() {
    assertThatThrownBy(() ->
            Pipeline.ioThenCpu(
                IntStream.range(0, 50).boxed().toList(),
                4,
                i -> i,
                i -> {
                  if (i == 7) {
                    throw new IOException("cannot parse 7");
                  }
                  return i;
                }))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageStartingWith("task #7 failed after ")
        .hasMessageEndingWith(": java.io.IOException: cannot parse 7");
  }
}
