package dev.weft.spring.observation;

import dev.weft.task.ContextPropagator;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ContextPropagator} that carries Micrometer's current {@link Observation} from the
 * forking thread into each weft fork ({@code Tasks.all}, scopes, gatherers, {@code TaskQueue}
 * tasks), so an observation started in a fork is a child of the one that was current where the work
 * was forked (and, with Micrometer Tracing, its span a child span). With {@link
 * #observingEachFork()} every fork is also an observation of its own, {@value #TASK}, child of the
 * forking one.
 *
 * <p>The starter {@linkplain #install() installs} it as weft's process-wide default while the
 * application runs. Stateless apart from its registry; thread-safe.
 *
 * {@snippet :
 * Observation.createNotStarted("report", registry).observe(() ->
 *     Tasks.all(ids, id -> fetch(id)));   // observations made in fetch are children of "report"
 * }
 */
public final class ObservationPropagator implements ContextPropagator {

  /** The name of the observation of one fork, made with {@link #observingEachFork()}. */
  public static final String TASK = "weft.task";

  private final ObservationRegistry registry;
  private final boolean observeForks;

  private ObservationPropagator(ObservationRegistry registry, boolean observeForks) {
    this.registry = registry;
    this.observeForks = observeForks;
  }

  /** {@return a propagator of {@code registry}'s current observation} */
  public static ObservationPropagator of(ObservationRegistry registry) {
    return new ObservationPropagator(Objects.requireNonNull(registry, "registry"), false);
  }

  /**
   * {@return a copy that also makes each fork an observation named {@value #TASK}} Forks are many
   * and short: this costs one observation (a timer, a span with tracing) per fork.
   */
  public ObservationPropagator observingEachFork() {
    return new ObservationPropagator(registry, true);
  }

  @Override
  public Runnable wrap(Runnable body) {
    Objects.requireNonNull(body, "body");
    if (registry.isNoop()) {
      return body;
    }
    @Nullable Observation parent = registry.getCurrentObservation();
    if (observeForks) {
      return () ->
          Observation.createNotStarted(TASK, registry).parentObservation(parent).observe(body);
    }
    return parent == null ? body : inScope(parent, body);
  }

  @SuppressWarnings("try") // the scope only makes the observation current
  private static Runnable inScope(Observation parent, Runnable body) {
    return () -> {
      try (Observation.Scope ignored = parent.openScope()) {
        body.run();
      }
    };
  }

  /**
   * Makes this propagator part of weft's process-wide default, inside the one there was (if any),
   * until the returned handle is closed; closing puts the earlier default back unless another
   * default replaced this one meanwhile.
   *
   * @return what undoes the installation
   */
  @SuppressWarnings("ReferenceEquality") // this installation, not an equal one
  public AutoCloseable install() {
    synchronized (ObservationPropagator.class) {
      @Nullable ContextPropagator previous = ContextPropagator.getDefault();
      ContextPropagator installed =
          previous == null ? this : new Inside(ContextPropagator.of(List.of(previous, this)));
      ContextPropagator.setDefault(installed);
      return () -> {
        synchronized (ObservationPropagator.class) {
          if (ContextPropagator.getDefault() == installed) {
            ContextPropagator.setDefault(previous);
          }
        }
      };
    }
  }

  /** An earlier default with this propagator inside it; its identity marks this installation. */
  private record Inside(ContextPropagator both) implements ContextPropagator {
    @Override
    public Runnable wrap(Runnable body) {
      return both.wrap(body);
    }
  }

  @Override
  public String toString() {
    return "ObservationPropagator[" + (observeForks ? "observing each fork" : "current") + "]";
  }
}
