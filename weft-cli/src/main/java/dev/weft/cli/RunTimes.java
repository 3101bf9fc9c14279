package dev.weft.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The wall times of the measured runs of one command in {@code weft profile}, and their statistics
 * as hyperfine reports them: mean, standard deviation, median, range, and statistical outliers by
 * the modified z-score (Iglewicz and Hoaglin: {@code 0.6745 (x - median) / MAD}, an outlier beyond
 * 3.5). Immutable.
 *
 * @param times the wall time of each run, in order; at least one
 */
record RunTimes(List<Duration> times) {

  /** The modified z-score beyond which a run is an outlier. */
  static final double OUTLIER_Z = 10;

  RunTimes {
    if (times.isEmpty()) {
      throw new IllegalArgumentException("times must hold at least one run");
    }
    times = List.copyOf(times);
  }

  private double[] seconds() {
    return times.stream().mapToDouble(d -> d.toNanos() / 1e9).toArray();
  }

  /** {@return the mean, in seconds} */
  double mean() {
    double sum = 0;
    for (double s : seconds()) {
      sum += s;
    }
    return sum / times.size();
  }

  /** {@return the sample standard deviation, in seconds; 0 for one run} */
  double stddev() {
    if (times.size() < 2) {
      return 0;
    }
    double m = mean();
    double sq = 0;
    for (double s : seconds()) {
      sq += (s - m) * (s - m);
    }
    return Math.sqrt(sq / (times.size() - 1));
  }

  /** {@return the median, in seconds} */
  double median() {
    return median(seconds());
  }

  /** {@return the shortest run, in seconds} */
  double min() {
    double m = Double.MAX_VALUE;
    for (double s : seconds()) {
      m = Math.min(m, s);
    }
    return m;
  }

  /** {@return the longest run, in seconds} */
  double max() {
    double m = 0;
    for (double s : seconds()) {
      m = Math.max(m, s);
    }
    return m;
  }

  /**
   * {@return the runs whose modified z-score exceeds {@link #OUTLIER_Z}, by index; none when the
   * median absolute deviation is 0 (half the runs or more took the same time)}
   */
  List<Integer> outliers() {
    double[] s = seconds();
    double med = median(s);
    double[] dev = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      dev[i] = Math.abs(s[i] - med);
    }
    double mad = median(dev);
    List<Integer> out = new ArrayList<>();
    if (mad == 0) {
      return out;
    }
    for (int i = 0; i < s.length; i++) {
      if (Math.abs(0.6745 * (s[i] - med) / mad) > OUTLIER_Z) {
        out.add(i);
      }
    }
    return out;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
