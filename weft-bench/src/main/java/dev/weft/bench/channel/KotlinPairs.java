package dev.weft.bench.channel;

import kotlin.ResultKt;
import kotlin.Unit;
import kotlin.coroutines.Continuation;
import kotlin.coroutines.CoroutineContext;
import kotlin.coroutines.EmptyCoroutineContext;
import kotlin.coroutines.intrinsics.IntrinsicsKt;
import kotlinx.coroutines.BuildersKt;
import kotlinx.coroutines.CoroutineStart;
import kotlinx.coroutines.channels.BufferOverflow;
import kotlinx.coroutines.channels.Channel;
import kotlinx.coroutines.channels.ChannelKt;
import org.jspecify.annotations.Nullable;

/**
 * kotlinx-coroutines' {@code Channel} driven from Java, for {@link ChannelBench}: one {@code
 * runBlocking} launches a sending and a receiving coroutine per pair and returns when all have
 * finished. Java cannot write a suspending loop directly, so each loop is its own {@link
 * Continuation}: it calls {@code send}/{@code receive} with itself as the continuation, carries on
 * while they complete at once, returns {@code COROUTINE_SUSPENDED} when they suspend, and carries
 * on from {@code resumeWith} when resumed; at the end it resumes the coroutine's completion. That
 * is the state machine the Kotlin compiler would generate for {@code repeat(n) { ch.send(x) }}, so
 * the channel does the same work as when called from Kotlin.
 */
@SuppressWarnings("ReferenceEquality") // COROUTINE_SUSPENDED is a marker, compared by identity
final class KotlinPairs {

  private static final Integer ELEMENT = 42;

  private KotlinPairs() {}

  static long run(int capacity, int pairs, int perPair) throws InterruptedException {
    long[] sums = new long[pairs];
    BuildersKt.runBlocking(
        EmptyCoroutineContext.INSTANCE,
        (scope, completion) -> {
          for (int p = 0; p < pairs; p++) {
            Channel<Integer> ch = ChannelKt.Channel(capacity, BufferOverflow.SUSPEND, null);
            int me = p;
            BuildersKt.launch(
                scope,
                EmptyCoroutineContext.INSTANCE,
                CoroutineStart.DEFAULT,
                (s, c) -> new Loop(ch, perPair, true, c, sums, me).step());
            BuildersKt.launch(
                scope,
                EmptyCoroutineContext.INSTANCE,
                CoroutineStart.DEFAULT,
                (s, c) -> new Loop(ch, perPair, false, c, sums, me).step());
          }
          return Unit.INSTANCE;
        });
    long total = 0;
    for (long s : sums) {
      total += s;
    }
    if (total != (long) ELEMENT * perPair * pairs) {
      throw new IllegalStateException("kotlin: lost elements, sum " + total);
    }
    return total;
  }

  /** A send or receive loop as a hand-written continuation. */
  private static final class Loop implements Continuation<Object> {
    private final Channel<Integer> ch;
    private final boolean sending;
    private final Continuation<? super Unit> completion;
    private final long[] sums;
    private final int slot;
    private int left;
    private long sum;

    Loop(
        Channel<Integer> ch,
        int count,
        boolean sending,
        Continuation<? super Unit> completion,
        long[] sums,
        int slot) {
      this.ch = ch;
      this.left = count;
      this.sending = sending;
      this.completion = completion;
      this.sums = sums;
      this.slot = slot;
    }

    /** Runs until the loop suspends ({@return COROUTINE_SUSPENDED}) or ends ({@return Unit}). */
    Object step() {
      Object suspended = IntrinsicsKt.getCOROUTINE_SUSPENDED();
      while (left > 0) {
        Object r = sending ? ch.send(ELEMENT, this) : ch.receive(this);
        if (r == suspended) {
          return r;
        }
        took(r);
      }
      if (!sending) {
        sums[slot] = sum;
      }
      return Unit.INSTANCE;
    }

    private void took(@Nullable Object r) {
      left--;
      if (!sending) {
        sum += (Integer) java.util.Objects.requireNonNull(r);
      }
    }

    @Override
    public CoroutineContext getContext() {
      return completion.getContext();
    }

    @Override
    public void resumeWith(Object result) {
      try {
        ResultKt.throwOnFailure(result);
      } catch (Throwable t) {
        completion.resumeWith(ResultKt.createFailure(t));
        return;
      }
      took(result);
      if (step() != IntrinsicsKt.getCOROUTINE_SUSPENDED()) {
        completion.resumeWith(Unit.INSTANCE);
      }
    }
  }
}
