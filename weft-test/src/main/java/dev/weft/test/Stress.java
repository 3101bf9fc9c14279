package dev.weft.test;

import dev.weft.observe.WeftThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A race finder: runs actions on some shared state from several threads at once, round after round,
 * and checks an invariant of the state after each round. Each round starts from a fresh state; the
 * threads are released together by a barrier, each spins a random skew, then runs its action a
 * random number of times. The result names the smallest failing round it saw (fewest operations),
 * with what each thread did, so a failure is as easy to read as it gets.
 *
 * <p>A race that needs threads to overlap shows up only when they do, so a stress run is evidence,
 * not proof: give it many rounds and enough repetitions for the threads to overlap on a loaded
 * machine. The random choices come from a seed (reported, and settable), so a run repeats its plan;
 * the interleavings themselves are up to the scheduler.
 *
 * <p>A {@code Stress} is an immutable plan; {@link #run()} may be called from any thread, any
 * number of times. Memory consistency effects: building the state and everything before {@code
 * run()} happen-before the actions of a round; the actions of a round happen-before its invariant
 * check.
 *
 * {@snippet :
 * // a check-then-act counter on a plain HashMap loses increments
 * Stress.Result result =
 *     Stress.of(RacyCounter::new)
 *         .actors(4, counter -> counter.increment("k"))
 *         .repetitions(1, 2_000)
 *         .rounds(2_000)
 *         .invariant((counter, round) -> {
 *           if (counter.get("k") != round.operations()) {
 *             throw new AssertionError(round.operations() + " increments, count " + counter.get("k"));
 *           }
 *         })
 *         .build()
 *         .run();
 * result.assertPassed(); // throws, naming the smallest failing round
 * }
 *
 * @param <S> the type of the shared state
 */
public final class Stress<S> {

  /**
   * What one thread does to the state, once per repetition.
   *
   * @param <S> the state
   */
  @FunctionalInterface
  public interface Action<S> {
    /**
     * Acts on the state.
     *
     * @param state the round's state
     * @throws Exception anything; it fails the round
     */
    void run(S state) throws Exception;
  }

  /**
   * A check of the state after a round; throwing (an {@link AssertionError}, say) fails the round.
   *
   * @param <S> the state
   */
  @FunctionalInterface
  public interface Invariant<S> {
    /**
     * Checks the state.
     *
     * @param state the round's state, after every action returned
     * @param round what the threads did in the round
     * @throws Exception anything; it fails the round
     */
    void check(S state, Round round) throws Exception;
  }

  /**
   * What the threads did in one round.
   *
   * @param number the round's number, from 0
   * @param repetitions how many times each actor ran its action, by actor
   * @param skews how many spins each actor waited after the start barrier, by actor
   */
  public record Round(int number, List<Integer> repetitions, List<Integer> skews) {
    /** Copies the lists. */
    public Round {
      repetitions = List.copyOf(repetitions);
      skews = List.copyOf(skews);
    }

    /** {@return how many actions ran in the round, all actors together} */
    public int operations() {
      return repetitions.stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * A failing round.
   *
   * @param round what the threads did
   * @param error what the invariant or an action threw
   */
  public record Failure(Round round, Throwable error) {
    /** Validates the parts. */
    public Failure {
      Objects.requireNonNull(round, "round");
      Objects.requireNonNull(error, "error");
    }

    @Override
    public String toString() {
      return "round #"
          + round.number()
          + " with "
          + round.operations()
          + " operations (repetitions "
          + round.repetitions()
          + ", skews "
          + round.skews()
          + "): "
          + error;
    }
  }

  /**
   * The outcome of a run.
   *
   * @param rounds how many rounds ran
   * @param failures how many of them failed
   * @param first the first failing round, if any
   * @param smallest the failing round with the fewest operations (then the least skew, then the
   *     earliest), if any
   * @param seed the seed of the run's random choices
   */
  public record Result(
      int rounds, int failures, Optional<Failure> first, Optional<Failure> smallest, long seed) {

    /** Validates the parts. */
    public Result {
      Objects.requireNonNull(first, "first");
      Objects.requireNonNull(smallest, "smallest");
    }

    /** {@return whether some round failed} */
    public boolean failed() {
      return failures > 0;
    }

    /**
     * Returns if no round failed; otherwise throws an {@link AssertionError} that names the
     * smallest and the first failing rounds, caused by the smallest one's error.
     *
     * @throws AssertionError if a round failed
     */
    public void assertPassed() {
      if (smallest.isPresent()) {
        throw new AssertionError(summary(), smallest.get().error());
      }
    }

    /** {@return a one-paragraph summary of the run} */
    public String summary() {
      if (!failed()) {
        return "stress passed " + rounds + " rounds (seed " + seed + ")";
      }
      return "stress failed in "
          + failures
          + " of "
          + rounds
          + " rounds (seed "
          + seed
          + "). Smallest failing "
          + smallest.orElseThrow()
          + ". First failing "
          + first.orElseThrow();
    }
  }

  private final Supplier<? extends S> fresh;
  private final List<Action<? super S>> actors;
  private final @Nullable Invariant<? super S> invariant;
  private final int rounds;
  private final int minRepetitions;
  private final int maxRepetitions;
  private final int maxSkew;
  private final long seed;
  private final boolean virtual;
  private final int stopAfter;
  private final Duration roundTimeout;

  private Stress(Builder<S> b) {
    this.fresh = b.fresh;
    this.actors = List.copyOf(b.actors);
    this.invariant = b.invariant;
    this.rounds = b.rounds;
    this.minRepetitions = b.minRepetitions;
    this.maxRepetitions = b.maxRepetitions;
    this.maxSkew = b.maxSkew;
    this.seed = b.seed;
    this.virtual = b.virtual;
    this.stopAfter = b.stopAfter;
    this.roundTimeout = b.roundTimeout;
  }

  /**
   * {@return a builder of a stress run whose every round starts from {@code fresh.get()}}
   *
   * @param fresh makes the state of one round
   * @param <S> the state
   */
  public static <S> Builder<S> of(Supplier<? extends S> fresh) {
    return new Builder<>(fresh);
  }

  /**
   * Runs the rounds and returns what it saw; never throws for a failing round (see {@link
   * Result#assertPassed()}).
   *
   * <p>Returns after the last round, or after {@code stopAfter} failing rounds, or after a round
   * that did not finish within the round timeout (recorded as a failure whose error lists the stuck
   * threads' stacks; the actors are then interrupted). Throws {@link InterruptedException} if the
   * calling thread is interrupted; the actor threads are interrupted and joined in every case
   * before this method returns.
   *
   * @return the outcome
   * @throws InterruptedException if interrupted while waiting for a round
   */
  public Result run() throws InterruptedException {
    int n = actors.size();
    CyclicBarrier start = new CyclicBarrier(n + 1);
    CyclicBarrier end = new CyclicBarrier(n + 1);
    Plan<S> plan = new Plan<>(n);
    ThreadFactory factory =
        virtual ? WeftThreads.virtual("weft-stress") : WeftThreads.platform("weft-stress", true);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int me = i;
      threads.add(factory.newThread(() -> actorLoop(me, plan, start, end)));
    }
    threads.forEach(Thread::start);
    SplittableRandom random = new SplittableRandom(seed);
    Failure first = null;
    Failure smallest = null;
    int failures = 0;
    int ran = 0;
    boolean hung = false;
    try {
      for (int r = 0; r < rounds && failures < stopAfter; r++) {
        Integer[] reps = new Integer[n];
        Integer[] skews = new Integer[n];
        for (int i = 0; i < n; i++) {
          reps[i] = random.nextInt(minRepetitions, maxRepetitions + 1);
          skews[i] = maxSkew == 0 ? 0 : random.nextInt(maxSkew + 1);
        }
        Round round = new Round(r, Arrays.asList(reps), Arrays.asList(skews));
        plan.state = fresh.get();
        plan.round = round;
        Arrays.fill(plan.errors, null);
        Throwable error;
        try {
          start.await(roundTimeout.toNanos(), TimeUnit.NANOSECONDS);
          end.await(roundTimeout.toNanos(), TimeUnit.NANOSECONDS);
          error = firstError(plan.errors);
          if (error == null && invariant != null) {
            error = check(plan.state, round);
          }
        } catch (TimeoutException | BrokenBarrierException e) {
          error = hang(round, threads);
          hung = true;
          ran++;
          failures++;
          Failure f = new Failure(round, error);
          first = first == null ? f : first;
          smallest = smaller(smallest, f);
          break;
        }
        ran++;
        if (error != null) {
          failures++;
          Failure f = new Failure(round, error);
          first = first == null ? f : first;
          smallest = smaller(smallest, f);
        }
      }
    } finally {
      plan.stop = true;
      for (Thread t : threads) {
        t.interrupt();
      }
      for (Thread t : threads) {
        if (hung) {
          t.join(roundTimeout); // an action stuck beyond interrupts is left behind, reported
        } else {
          t.join();
        }
      }
    }
    return new Result(
        ran, failures, Optional.ofNullable(first), Optional.ofNullable(smallest), seed);
  }

  /** Shared between the driver and the actors; the barriers order every access. */
  private static final class Plan<S> {
    @Nullable S state;
    @Nullable Round round;
    final @Nullable Throwable[] errors;
    volatile boolean stop;

    Plan(int n) {
      errors = new Throwable[n];
    }
  }

  private void actorLoop(int me, Plan<S> plan, CyclicBarrier start, CyclicBarrier end) {
    Action<? super S> action = actors.get(me);
    while (!plan.stop) {
      try {
        start.await();
      } catch (InterruptedException | BrokenBarrierException e) {
        return;
      }
      Round round = Objects.requireNonNull(plan.round);
      S state = Objects.requireNonNull(plan.state);
      for (int i = round.skews().get(me); i > 0; i--) {
        Thread.onSpinWait();
      }
      try {
        for (int i = round.repetitions().get(me); i > 0; i--) {
          action.run(state);
        }
      } catch (Throwable t) {
        plan.errors[me] = t;
      }
      try {
        end.await();
      } catch (InterruptedException | BrokenBarrierException e) {
        return;
      }
    }
  }

  private @Nullable Throwable check(@Nullable S state, Round round) {
    try {
      Objects.requireNonNull(invariant).check(Objects.requireNonNull(state), round);
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static @Nullable Throwable firstError(@Nullable Throwable[] errors) {
    for (Throwable t : errors) {
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private AssertionError hang(Round round, List<Thread> threads) {
    StringBuilder sb =
        new StringBuilder("round #")
            .append(round.number())
            .append(" did not finish within ")
            .append(roundTimeout);
    for (Thread t : threads) {
      sb.append("\n  \"").append(t.getName()).append("\" ").append(t.getState());
      for (StackTraceElement e : t.getStackTrace()) {
        sb.append("\n      at ").append(e);
      }
    }
    return new AssertionError(sb.toString());
  }

  private static Failure smaller(@Nullable Failure best, Failure candidate) {
    Comparator<Failure> order =
        Comparator.<Failure>comparingInt(f -> f.round().operations())
            .thenComparingInt(f -> f.round().skews().stream().mapToInt(Integer::intValue).sum())
            .thenComparingInt(f -> f.round().number());
    return best == null || order.compare(candidate, best) < 0 ? candidate : best;
  }

  /**
   * Settings of a {@link Stress} run; each setter validates at once. Not thread-safe.
   *
   * @param <S> the state
   */
  public static final class Builder<S> {
    private final Supplier<? extends S> fresh;
    private final List<Action<? super S>> actors = new ArrayList<>();
    private @Nullable Invariant<? super S> invariant;
    private int rounds = 1_000;
    private int minRepetitions = 1;
    private int maxRepetitions = 1;
    private int maxSkew = 1_000;
    private long seed = new SplittableRandom().nextLong();
    private boolean virtual;
    private int stopAfter = 100;
    private Duration roundTimeout = Duration.ofMinutes(1);

    private Builder(Supplier<? extends S> fresh) {
      this.fresh = Objects.requireNonNull(fresh, "fresh");
    }

    /**
     * Adds one actor: a thread that runs {@code action} each round.
     *
     * @param action what the thread does
     * @return this builder
     */
    public Builder<S> actor(Action<? super S> action) {
      actors.add(Objects.requireNonNull(action, "action"));
      return this;
    }

    /**
     * Adds {@code count} actors that each run {@code action}.
     *
     * @param count at least 1
     * @param action what each thread does
     * @return this builder
     * @throws IllegalArgumentException if {@code count} is below 1
     */
    public Builder<S> actors(int count, Action<? super S> action) {
      if (count < 1) {
        throw new IllegalArgumentException("count must be >= 1, was " + count);
      }
      for (int i = 0; i < count; i++) {
        actor(action);
      }
      return this;
    }

    /**
     * The check run after each round; none by default (then only actions that throw fail).
     *
     * @param invariant the check
     * @return this builder
     */
    public Builder<S> invariant(Invariant<? super S> invariant) {
      this.invariant = Objects.requireNonNull(invariant, "invariant");
      return this;
    }

    /**
     * How many rounds to run; 1000 by default.
     *
     * @param rounds at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code rounds} is below 1
     */
    public Builder<S> rounds(int rounds) {
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be >= 1, was " + rounds);
      }
      this.rounds = rounds;
      return this;
    }

    /**
     * How many times each actor runs its action per round: a random number in [min, max], drawn per
     * actor and round; 1 by default. More repetitions make threads overlap more; the spread lets
     * the result find a small failing round.
     *
     * @param min at least 1
     * @param max at least {@code min}
     * @return this builder
     * @throws IllegalArgumentException if {@code min} is below 1 or {@code max} below {@code min}
     */
    public Builder<S> repetitions(int min, int max) {
      if (min < 1) {
        throw new IllegalArgumentException("min must be >= 1, was " + min);
      }
      if (max < min) {
        throw new IllegalArgumentException("max must be >= min (" + min + "), was " + max);
      }
      this.minRepetitions = min;
      this.maxRepetitions = max;
      return this;
    }

    /**
     * The largest random start skew, in spin-wait iterations, that an actor waits after the start
     * barrier; 1000 by default; 0 to start all together.
     *
     * @param spins at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code spins} is negative
     */
    public Builder<S> maxSkew(int spins) {
      if (spins < 0) {
        throw new IllegalArgumentException("spins must be >= 0, was " + spins);
      }
      this.maxSkew = spins;
      return this;
    }

    /**
     * The seed of the random repetitions and skews; random by default (reported in the result).
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder<S> seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Whether the actors are virtual threads; platform threads by default (they overlap more).
     *
     * @param virtual true for virtual threads
     * @return this builder
     */
    public Builder<S> virtual(boolean virtual) {
      this.virtual = virtual;
      return this;
    }

    /**
     * Stop after this many failing rounds; 100 by default.
     *
     * @param failures at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code failures} is below 1
     */
    public Builder<S> stopAfter(int failures) {
      if (failures < 1) {
        throw new IllegalArgumentException("failures must be >= 1, was " + failures);
      }
      this.stopAfter = failures;
      return this;
    }

    /**
     * How long a round may take, in real time, before it counts as hung (a deadlock or a lost
     * wake-up in the code under test); one minute by default. A safety net, not a timing check.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder<S> roundTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
      }
      this.roundTimeout = timeout;
      return this;
    }

    /**
     * {@return the plan}
     *
     * @throws IllegalStateException if no actor was added
     */
    public Stress<S> build() {
      if (actors.isEmpty()) {
        throw new IllegalStateException("a stress run needs at least one actor");
      }
      return new Stress<>(this);
    }
  }
}
