package dev.weft.bench.task;

import dev.weft.time.TimeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The peers of {@link AllBench}, interleaved: each round runs every peer for a batch of calls, in a
 * rotating order, and the medians of the per-call times are compared. On a shared, loaded machine
 * this is steadier than JMH's one-benchmark-after-another, because load that drifts over minutes
 * hits every peer alike. Prints one line per peer with its ratio to the raw executor.
 *
 * <p>Run: {@code java --enable-preview -cp weft-bench/target/benchmarks.jar
 * dev.weft.bench.task.AllSideBySide [rounds]}.
 */
public final class AllSideBySide {

  private AllSideBySide() {}

  /** A peer: one call over the benchmark's tasks. */
  @FunctionalInterface
  private interface Peer {
    long call(AllBench bench) throws Exception;
  }

  /**
   * Runs the comparison.
   *
   * @param args optionally the number of measured rounds (default 25)
   * @throws Exception if a peer fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 25;
    List<String> names =
        List.of("weftTasksAll", "rawExecutor", "completableFutureAllOf", "jdkStructuredTaskScope");
    List<Peer> peers =
        List.of(
            AllBench::weftTasksAll,
            AllBench::rawExecutor,
            AllBench::completableFutureAllOf,
            AllBench::jdkStructuredTaskScope);
    TimeSource time = TimeSource.system();
    for (int n : new int[] {10, 10_000}) {
      AllBench bench = new AllBench();
      bench.n = n;
      bench.setUp();
      int batch = n == 10 ? 2_000 : 4;
      List<List<Double>> micros = new ArrayList<>();
      for (int p = 0; p < peers.size(); p++) {
        micros.add(new ArrayList<>());
      }
      long sink = 0;
      int warmup = 5;
      for (int round = 0; round < warmup + rounds; round++) {
        for (int k = 0; k < peers.size(); k++) {
          int p = (round + k) % peers.size();
          long start = time.read();
          for (int i = 0; i < batch; i++) {
            sink += peers.get(p).call(bench);
          }
          long took = time.read() - start;
          if (round >= warmup) {
            micros.get(p).add(took / 1e3 / batch);
          }
        }
      }
      bench.tearDown();
      double raw = median(micros.get(1));
      for (int p = 0; p < peers.size(); p++) {
        double m = median(micros.get(p));
        System.out.printf(
            Locale.ROOT,
            "n=%-6d %-24s median %10.1f us/op   x%.2f of rawExecutor%n",
            n,
            names.get(p),
            m,
            m / raw);
      }
      System.out.println("(checksum " + sink + ")");
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
