package dev.weft.policy;

import dev.weft.observe.Listener;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Replaces a failure with a value: a constant, a function of the failure, or the result of another
 * call. By default every {@link Exception} is replaced; {@link #on(Class[])} and {@link
 * #when(Predicate)} narrow that. Errors are never replaced, nor is a failure caused by an interrupt
 * (the thread's interrupt flag is set, or the failure is an {@link InterruptedException}).
 *
 * <p>Immutable and thread-safe; the configuring methods return copies.
 *
 * {@snippet :
 * Fallback<List<Item>> cached = Fallback.from(failure -> lastKnownItems());
 * Fallback<Response> empty = Fallback.to(Response.EMPTY).on(IOException.class).withName("empty");
 * }
 *
 * @param <T> the type of the replacement value
 */
public final class Fallback<T> implements Policy<T> {

  /**
   * Computes a replacement from the failure; may throw, in which case the original failure is
   * attached to what it throws as suppressed.
   *
   * @param <T> the type of the replacement
   */
  @FunctionalInterface
  private interface Replacement<T> {
    @Nullable T apply(Throwable failure) throws Exception;
  }

  private final String name;
  private final Replacement<? extends T> replacement;
  private final Predicate<? super Throwable> when;
  private final Listener listener;

  private Fallback(
      String name,
      Replacement<? extends T> replacement,
      Predicate<? super Throwable> when,
      Listener listener) {
    this.name = name;
    this.replacement = replacement;
    this.when = when;
    this.listener = listener;
  }

  private static boolean anyException(Throwable t) {
    return t instanceof Exception;
  }

  /**
   * {@return a fallback to {@code value}}
   *
   * @param value the replacement value
   * @param <T> its type
   */
  public static <T> Fallback<T> to(T value) {
    return new Fallback<>("fallback", failure -> value, Fallback::anyException, Listener.none());
  }

  /**
   * {@return a fallback to {@code function} applied to the failure}
   *
   * @param function computes the replacement; what it throws propagates, with the original failure
   *     as suppressed
   * @param <T> the replacement's type
   */
  public static <T> Fallback<T> from(Function<? super Throwable, ? extends T> function) {
    Objects.requireNonNull(function, "function");
    return new Fallback<>("fallback", function::apply, Fallback::anyException, Listener.none());
  }

  /**
   * {@return a fallback to the result of {@code alternative}, called on the caller's thread}
   *
   * @param alternative another way to get the result; what it throws propagates, with the original
   *     failure as suppressed
   * @param <T> the replacement's type
   */
  public static <T> Fallback<T> toCall(Callable<? extends T> alternative) {
    Objects.requireNonNull(alternative, "alternative");
    return new Fallback<>(
        "fallback", failure -> alternative.call(), Fallback::anyException, Listener.none());
  }

  /** {@return a copy that replaces only failures of the given types (and their subtypes)} */
  @SafeVarargs
  public final Fallback<T> on(Class<? extends Throwable>... types) {
    List<Class<? extends Throwable>> list = new ArrayList<>(types.length);
    for (Class<? extends Throwable> type : types) {
      list.add(Objects.requireNonNull(type, "type"));
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("types must not be empty, was []");
    }
    return new Fallback<>(
        name, replacement, t -> list.stream().anyMatch(c -> c.isInstance(t)), listener);
  }

  /** {@return a copy that replaces only failures {@code predicate} accepts} */
  public Fallback<T> when(Predicate<? super Throwable> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return new Fallback<>(name, replacement, predicate, listener);
  }

  /** {@return a copy with this name, used in events and messages} */
  public Fallback<T> withName(String name) {
    return new Fallback<>(Calls.requireName(name), replacement, when, listener);
  }

  /** {@return a copy that emits {@link PolicyEvent.FallbackUsed} to {@code listener}} */
  public Fallback<T> withListener(Listener listener) {
    return new Fallback<>(name, replacement, when, Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "Fallback[" + name + "]";
  }

  @Nullable Object execute(Callable<?> work) throws Exception {
    try {
      return work.call();
    } catch (Exception failure) {
      if (failure instanceof InterruptedException
          || Thread.currentThread().isInterrupted()
          || !when.test(failure)) {
        throw failure;
      }
      if (!listener.isNone()) {
        Listener.emit(listener, new PolicyEvent.FallbackUsed(name, failure));
      }
      try {
        return replacement.apply(failure);
      } catch (Exception replacementFailure) {
        replacementFailure.addSuppressed(failure);
        throw replacementFailure;
      }
    }
  }
}
