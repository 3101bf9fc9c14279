package dev.weft.spring;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.Worker;
import dev.weft.observe.Listener;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Starts one {@link Worker} per queue that has handlers when the application starts, and closes
 * them gracefully when it stops: running handlers get their shutdown grace, then are interrupted
 * and their leases released so another instance takes the jobs at once. The queue closes after the
 * workers (it is a bean the workers depend on). Thread-safe; Spring calls start and stop.
 */
public final class WeftWorkers implements SmartLifecycle {

  /**
   * The phase: after most components start (the application's beans are ready when jobs run),
   * stopped before them and before the web server's graceful shutdown completes.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

  private final ApplicationContext context;
  private final JobQueue queue;
  private final WeftJobsProperties properties;
  private final Listener listener;
  private final List<JobHandlerDecorator> decorators;
  private final Map<String, Worker> workers = Collections.synchronizedMap(new LinkedHashMap<>());
  private volatile boolean running;

  WeftWorkers(
      ApplicationContext context,
      JobQueue queue,
      WeftJobsProperties properties,
      Listener listener,
      List<JobHandlerDecorator> decorators) {
    this.context = context;
    this.queue = queue;
    this.properties = properties;
    this.listener = listener;
    this.decorators = List.copyOf(decorators);
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    Map<String, Map<String, HandlerMethods.Found>> byQueue = new LinkedHashMap<>();
    for (HandlerMethods.Found f : HandlerMethods.find(context)) {
      HandlerMethods.Found twin =
          byQueue.computeIfAbsent(f.queue(), q -> new LinkedHashMap<>()).putIfAbsent(f.kind(), f);
      if (twin != null) {
        throw new IllegalStateException(
            "two handlers for kind '"
                + f.kind()
                + "' of queue '"
                + f.queue()
                + "': "
                + twin.source()
                + " and "
                + f.source());
      }
    }
    try {
      byQueue.forEach((q, handlers) -> {
        WeftJobsProperties.WorkerSettings s =
            properties.getWorkers().getOrDefault(q, new WeftJobsProperties.WorkerSettings());
        if (s.isEnabled()) {
          workers.put(q, start(q, s, handlers));
        }
      });
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    running = true;
  }

  private Worker start(
      String q, WeftJobsProperties.WorkerSettings s, Map<String, HandlerMethods.Found> handlers) {
    return PolicyBinding.bind(
        "weft.jobs.workers." + q,
        () -> {
          Worker.Builder b = queue.worker(q).listener(listener);
          handlers.forEach((kind, f) -> b.handler(kind, decorate(q, kind, f.handler())));
          if (s.getConcurrency() != null) {
            b.concurrency(s.getConcurrency());
          }
          if (s.getLease() != null) {
            b.lease(s.getLease());
          }
          if (s.getHeartbeat() != null) {
            b.heartbeat(s.getHeartbeat());
          }
          if (s.getPollInterval() != null) {
            b.pollInterval(s.getPollInterval());
          }
          if (s.getShutdownGrace() != null) {
            b.shutdownGrace(s.getShutdownGrace());
          }
          if (s.getBackoff().isSet()) {
            b.backoff(
                s.getBackoff().build(Duration.ofSeconds(1), 2.0, BackoffSettings.Jitter.EQUAL));
          }
          return b.start();
        });
  }

  private dev.weft.jobs.JobHandler decorate(String q, String kind, dev.weft.jobs.JobHandler h) {
    dev.weft.jobs.JobHandler out = h;
    for (int i = decorators.size() - 1; i >= 0; i--) {
      out = decorators.get(i).decorate(q, kind, out);
    }
    return out;
  }

  @Override
  public synchronized void stop() {
    List<Worker> all;
    synchronized (workers) {
      all = List.copyOf(workers.values());
      workers.clear();
    }
    RuntimeException first = null;
    for (Worker w : all) {
      try {
        w.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    running = false;
    if (first != null) {
      throw first;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** {@return the running workers by queue} */
  public Map<String, Worker> workers() {
    synchronized (workers) {
      return Map.copyOf(workers);
    }
  }
}
