package dev.weft.micrometer;

import dev.weft.observe.Event;
import dev.weft.observe.Listener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Listener} that records weft's events in a Micrometer {@link MeterRegistry}, for any
 * event type, including those of packages it does not know, by the optional interfaces of {@link
 * Event}:
 *
 * <table class="striped">
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>kind</th><th>tags</th><th>recorded for</th></tr>
 *   <tr><td>{@code weft.events}</td><td>counter</td><td>{@code type}, {@code source}, {@code
 *       outcome}</td><td>every event</td></tr>
 *   <tr><td>{@code weft.duration}</td><td>timer (with percentiles)</td><td>{@code type}, {@code
 *       source}, {@code outcome}</td><td>{@link Event.Timed} events</td></tr>
 *   <tr><td>{@code weft.}<i>gauge</i></td><td>gauge</td><td>{@code source}</td><td>{@link
 *       Event.Gauge} events: the latest value</td></tr>
 * </table>
 *
 * <p>{@code type} is the event class's simple name ({@code TaskFinished}), {@code source} the
 * component's name, {@code outcome} the value of {@link Event.Outcome#outcome()} or {@code none}.
 * Every meter also carries the common tags given to the builder. Tag values must stay few: name
 * components, not requests.
 *
 * <p>Thread-safe; share one per registry. Meters are created on first use and cached, so a steady
 * stream of events costs a map lookup and an increment each.
 *
 * {@snippet :
 * Listener metrics = MicrometerListener.builder(registry).percentiles(0.5, 0.99).build();
 * }
 */
public final class MicrometerListener implements Listener {

  /** The counter of every event. */
  public static final String EVENTS = "weft.events";

  /** The timer of {@link Event.Timed} events. */
  public static final String DURATION = "weft.duration";

  /** The prefix of the gauges of {@link Event.Gauge} events. */
  public static final String GAUGE_PREFIX = "weft.";

  /** The {@code outcome} tag's value for events that are not {@link Event.Outcome}s. */
  public static final String NO_OUTCOME = "none";

  private final MeterRegistry registry;
  private final double[] percentiles;
  private final boolean histogram;
  private final Tags common;
  private final ConcurrentHashMap<Key, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<GaugeKey, AtomicLong> gauges = new ConcurrentHashMap<>();

  private record Key(Class<?> type, String source, String outcome) {}

  private record GaugeKey(String name, String source) {}

  /**
   * Creates a listener recording into {@code registry}, with timer percentiles 0.5, 0.95 and 0.99
   * and no histogram buckets.
   *
   * @param registry where meters go
   */
  public MicrometerListener(MeterRegistry registry) {
    this(builder(registry));
  }

  private MicrometerListener(Builder b) {
    this.registry = b.registry;
    this.percentiles = b.percentiles.clone();
    this.histogram = b.histogram;
    this.common = b.common;
  }

  /**
   * {@return a builder of a listener recording into {@code registry}}
   *
   * @param registry where meters go
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  @Override
  public void onEvent(Event event) {
    String outcome = event instanceof Event.Outcome o ? o.outcome() : NO_OUTCOME;
    Key key = new Key(event.getClass(), event.source(), outcome);
    counters.computeIfAbsent(key, this::counter).increment();
    if (event instanceof Event.Timed timed) {
      timers.computeIfAbsent(key, this::timer).record(timed.duration());
    }
    if (event instanceof Event.Gauge gauge) {
      gauges
          .computeIfAbsent(new GaugeKey(gauge.gauge(), event.source()), this::gauge)
          .set(Double.doubleToRawLongBits(gauge.value()));
    }
  }

  private Counter counter(Key key) {
    return Counter.builder(EVENTS)
        .description("events emitted by weft components")
        .tags(tags(key))
        .register(registry);
  }

  private Timer timer(Key key) {
    Timer.Builder timer =
        Timer.builder(DURATION)
            .description("how long the spans that weft's timed events close lasted")
            .tags(tags(key))
            .publishPercentileHistogram(histogram);
    if (percentiles.length > 0) {
      timer.publishPercentiles(percentiles);
    }
    return timer.register(registry);
  }

  private AtomicLong gauge(GaugeKey key) {
    AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
    Gauge.builder(GAUGE_PREFIX + key.name(), bits, b -> Double.longBitsToDouble(b.get()))
        .description("latest value reported by weft's gauge events")
        .tags(common.and("source", key.source()))
        .strongReference(true)
        .register(registry);
    return bits;
  }

  private Tags tags(Key key) {
    return common.and(
        Tag.of("type", typeName(key.type())),
        Tag.of("source", key.source()),
        Tag.of("outcome", key.outcome()));
  }

  /** {@return the {@code type} tag of events of class {@code type}} */
  static String typeName(Class<?> type) {
    String simple = type.getSimpleName();
    if (!simple.isEmpty()) {
      return simple;
    }
    String name = type.getName(); // anonymous or hidden: keep the part after the last '.' or '$'
    return name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
  }

  @Override
  public String toString() {
    return "MicrometerListener[" + registry.getClass().getSimpleName() + "]";
  }

  /** Settings of a {@link MicrometerListener}; each setter validates at once. Not thread-safe. */
  public static final class Builder {
    private final MeterRegistry registry;
    private double[] percentiles = {0.5, 0.95, 0.99};
    private boolean histogram;
    private Tags common = Tags.empty();

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The percentiles each timer publishes (client-side, as {@code weft.duration.percentile} with a
     * {@code phi} tag); 0.5, 0.95 and 0.99 by default; none to turn them off.
     *
     * @param percentiles each in [0, 1]
     * @return this builder
     * @throws IllegalArgumentException if a percentile is outside [0, 1]
     */
    public Builder percentiles(double... percentiles) {
      for (double p : percentiles) {
        if (!(p >= 0 && p <= 1)) {
          throw new IllegalArgumentException(
              "percentiles must be in [0, 1], was " + Arrays.toString(percentiles));
        }
      }
      this.percentiles = percentiles.clone();
      return this;
    }

    /**
     * Whether timers also publish histogram buckets, for percentiles aggregated server-side
     * (Prometheus {@code histogram_quantile}); off by default.
     *
     * @param histogram true to publish buckets
     * @return this builder
     */
    public Builder histogram(boolean histogram) {
      this.histogram = histogram;
      return this;
    }

    /**
     * Tags added to every meter, such as the application's name.
     *
     * @param keyValues pairs of key and value
     * @return this builder
     * @throws IllegalArgumentException if the count is odd
     */
    public Builder tags(String... keyValues) {
      if (keyValues.length % 2 != 0) {
        throw new IllegalArgumentException(
            "keyValues must come in pairs, was " + keyValues.length + " strings");
      }
      this.common = Tags.of(keyValues);
      return this;
    }

    /** {@return a listener with these settings} */
    public MicrometerListener build() {
      return new MicrometerListener(this);
    }
  }
}
