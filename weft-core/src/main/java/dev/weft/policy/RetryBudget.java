package dev.weft.policy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A budget that caps retries across all calls sharing it, so a failing dependency is not hammered
 * by every caller retrying at once. It follows gRPC's retry throttling: the budget holds tokens, at
 * most {@code maxTokens} and that many at the start; each failed attempt takes one token, each
 * successful call gives back {@code tokenRatio}; a retry is allowed only while more than half of
 * {@code maxTokens} remain. With {@code maxTokens = 10, tokenRatio = 0.1}, once failures dominate,
 * retries stop until about ten successes per failure have refilled the budget.
 *
 * <p>Thread-safe; share one instance between all the {@link Retry} policies (and calls) that
 * protect one dependency. Lock-free: tokens are kept in thousandths in one atomic integer.
 *
 * {@snippet :
 * RetryBudget budget = RetryBudget.of(10, 0.1);
 * Retry<Object> retry = Retry.builder().maxAttempts(4).budget(budget).build();
 * }
 */
public final class RetryBudget {

  private static final int SCALE = 1000;

  private final int max;
  private final int ratio;
  private final int threshold;
  private final AtomicInteger tokens;

  private RetryBudget(int max, int ratio) {
    this.max = max;
    this.ratio = ratio;
    this.threshold = max / 2;
    this.tokens = new AtomicInteger(max);
  }

  /**
   * {@return a full budget}
   *
   * @param maxTokens the number of tokens, 1 to 1000
   * @param tokenRatio what each success gives back, in (0, 1]; kept to thousandths
   * @throws IllegalArgumentException if a setting is out of range
   */
  public static RetryBudget of(int maxTokens, double tokenRatio) {
    if (maxTokens < 1 || maxTokens > 1000) {
      throw new IllegalArgumentException("maxTokens must be in [1, 1000], was " + maxTokens);
    }
    if (!(tokenRatio > 0 && tokenRatio <= 1)) {
      throw new IllegalArgumentException("tokenRatio must be in (0, 1], was " + tokenRatio);
    }
    return new RetryBudget(maxTokens * SCALE, Math.max(1, (int) Math.round(tokenRatio * SCALE)));
  }

  /** {@return the tokens left, as a fraction of one token} */
  public double tokens() {
    return tokens.get() / (double) SCALE;
  }

  /** {@return whether a retry is allowed now: more than half the tokens remain} */
  public boolean allowsRetry() {
    return tokens.get() > threshold;
  }

  void onFailure() {
    int t;
    do {
      t = tokens.get();
      if (t == 0) {
        return;
      }
    } while (!tokens.compareAndSet(t, Math.max(0, t - SCALE)));
  }

  void onSuccess() {
    int t;
    do {
      t = tokens.get();
      if (t == max) {
        return;
      }
    } while (!tokens.compareAndSet(t, Math.min(max, t + ratio)));
  }

  @Override
  public String toString() {
    return "RetryBudget[" + tokens() + "/" + max / SCALE + " tokens]";
  }
}
