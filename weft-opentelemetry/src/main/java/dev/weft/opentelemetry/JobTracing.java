package dev.weft.opentelemetry;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobHandler;
import dev.weft.jobs.JobOutcome;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.NewJob;
import dev.weft.time.TimeSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Traces durable jobs across processes, following the OpenTelemetry messaging semantic conventions:
 * enqueuing is a {@code PRODUCER} span {@code send <queue>} whose W3C trace context ({@code
 * traceparent}, {@code tracestate}) is stored in each job's {@linkplain NewJob#headers() headers};
 * the claim that took the job is a {@code CLIENT} span {@code receive <queue>} in whichever process
 * claimed it, spanning the worker's call to the store ({@link JobContext#claim()}); each run is a
 * {@code CONSUMER} span {@code process <queue>}, the child of that receive span. Both are linked to
 * the enqueue, and the receive span is by default its child, so one trace shows enqueue, claim and
 * run. All carry {@code messaging.system = "weft"}, {@code messaging.operation.name}, {@code
 * messaging.operation.type} and {@code messaging.destination.name}; their durations are recorded as
 * the histograms {@code messaging.client.operation.duration} (once per send and once per claim, as
 * the conventions count client operations, not messages) and {@code messaging.process.duration}
 * (seconds, once per run).
 *
 * <p>Thread-safe; build one per {@link OpenTelemetry} and share it.
 *
 * {@snippet :
 * JobTracing tracing = JobTracing.create(openTelemetry);
 * tracing.enqueue(jobs, NewJob.of("mail", "welcome", Map.of("user", 42)));   // producer side
 * jobs.worker("mail").handler("welcome", tracing.handler(ctx -> send(ctx))).start();  // any JVM
 * }
 */
public final class JobTracing {

  /** The instrumentation scope name spans and metrics are recorded under. */
  public static final String SCOPE = "dev.weft.jobs";

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_NAME =
      AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<Long> BATCH_COUNT =
      AttributeKey.longKey("messaging.batch.message_count");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("weft.job.kind");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("weft.job.attempt");
  static final AttributeKey<String> WORKER = AttributeKey.stringKey("weft.worker.id");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("weft.job.outcome");

  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Map<String, String>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private final OpenTelemetry otel;
  private final Tracer tracer;
  private final DoubleHistogram clientDuration;
  private final DoubleHistogram processDuration;
  private final TimeSource time;
  private final boolean runAsChild;

  private JobTracing(OpenTelemetry otel, TimeSource time, boolean runAsChild) {
    this.otel = otel;
    this.tracer = otel.getTracer(SCOPE);
    Meter meter = otel.getMeter(SCOPE);
    this.clientDuration =
        meter
            .histogramBuilder("messaging.client.operation.duration")
            .setUnit("s")
            .setDescription("Duration of enqueuing (send) and claiming (receive) jobs.")
            .build();
    this.processDuration =
        meter
            .histogramBuilder("messaging.process.duration")
            .setUnit("s")
            .setDescription("Duration of running one job (messaging process).")
            .build();
    this.time = time;
    this.runAsChild = runAsChild;
  }

  /**
   * {@return tracing through {@code otel}, each run a child of its enqueue and linked to it}
   *
   * @param otel where spans and metrics go
   */
  public static JobTracing create(OpenTelemetry otel) {
    return new JobTracing(Objects.requireNonNull(otel, "otel"), TimeSource.system(), true);
  }

  /**
   * {@return a copy whose claim and run spans start a trace of their own, linked to the enqueue but
   * not its child} For jobs that run long after they were enqueued (the conventions require the
   * link and allow the parent), so that a request's trace does not stay open for days.
   */
  public JobTracing runsInTheirOwnTrace() {
    return new JobTracing(otel, time, false);
  }

  /**
   * {@return {@code job} with the current trace context written into its headers, for jobs that are
   * enqueued by other means than {@link #enqueue}}
   */
  public NewJob inject(NewJob job) {
    return inject(job, Context.current());
  }

  private static NewJob inject(NewJob job, Context context) {
    Map<String, String> headers = new LinkedHashMap<>(job.headers());
    W3C.inject(context, headers, (carrier, key, value) -> headers.put(key, value));
    return headers.equals(job.headers()) ? job : job.withHeaders(headers);
  }

  /** {@return the trace context stored with {@code job}, on top of the root context} */
  public static Context extract(Job job) {
    return W3C.extract(Context.root(), job.headers(), HEADERS);
  }

  /** {@return the result of enqueuing {@code job} into {@code queue} under a send span} */
  public Enqueued enqueue(JobQueue queue, NewJob job) {
    return send(queue, null, List.of(job)).getFirst();
  }

  /** {@return the results of enqueuing {@code jobs} in one transaction under one send span} */
  public List<Enqueued> enqueue(JobQueue queue, List<NewJob> jobs) {
    return send(queue, null, jobs);
  }

  /**
   * {@return the results of enqueuing {@code jobs} in the caller's transaction {@code tx}, under
   * one send span} See {@link JobQueue#enqueue(Connection, List)}.
   */
  public List<Enqueued> enqueue(JobQueue queue, Connection tx, List<NewJob> jobs) {
    return send(queue, Objects.requireNonNull(tx, "tx"), jobs);
  }

  @SuppressWarnings("try") // the scope only makes the span current
  private List<Enqueued> send(JobQueue queue, @Nullable Connection tx, List<NewJob> jobs) {
    Objects.requireNonNull(queue, "queue");
    if (jobs.isEmpty()) {
      return List.of();
    }
    String destination = commonQueue(jobs);
    SpanBuilder b =
        tracer
            .spanBuilder(destination == null ? "send" : "send " + destination)
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute(SYSTEM, "weft")
            .setAttribute(OPERATION_NAME, "send")
            .setAttribute(OPERATION_TYPE, "send");
    if (destination != null) {
      b.setAttribute(DESTINATION, destination);
    }
    if (jobs.size() > 1) {
      b.setAttribute(BATCH_COUNT, (long) jobs.size());
    } else {
      b.setAttribute(KIND, jobs.getFirst().kind());
    }
    Span span = b.startSpan();
    long start = time.read();
    String error = null;
    try (Scope ignored = span.makeCurrent()) {
      Context context = Context.current();
      List<NewJob> traced = new ArrayList<>(jobs.size());
      for (NewJob j : jobs) {
        traced.add(inject(j, context));
      }
      List<Enqueued> out = tx == null ? queue.enqueue(traced) : queue.enqueue(tx, traced);
      if (out.size() == 1) {
        span.setAttribute(MESSAGE_ID, String.valueOf(out.getFirst().id()));
      }
      return out;
    } catch (RuntimeException e) {
      error = e.getClass().getName();
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      span.setAttribute(ERROR_TYPE, error);
      throw e;
    } finally {
      span.end();
      AttributesBuilder a = Attributes.builder().put(SYSTEM, "weft").put(OPERATION_NAME, "send");
      if (destination != null) {
        a.put(DESTINATION, destination);
      }
      if (error != null) {
        a.put(ERROR_TYPE, error);
      }
      clientDuration.record(time.since(start).toNanos() / 1e9, a.build());
    }
  }

  private static @Nullable String commonQueue(List<NewJob> jobs) {
    String q = jobs.getFirst().queue();
    for (NewJob j : jobs) {
      if (!j.queue().equals(q)) {
        return null;
      }
    }
    return q;
  }

  /**
   * {@return {@code handler} wrapped so each run is a {@code process <queue>} span linked to the
   * job's enqueue, the child of a {@code receive <queue>} span for the claim that took the job, and
   * current while the handler runs (forks of the handler are its children when {@link
   * OpenTelemetryPropagator} is installed)} A job enqueued without a trace context runs in a new
   * trace with no link. An exception or a retry or give-up outcome marks the span as an error; an
   * {@link InterruptedException} (the worker released the job) is recorded as such.
   */
  public JobHandler handler(JobHandler handler) {
    Objects.requireNonNull(handler, "handler");
    return ctx -> process(handler, ctx);
  }

  @SuppressWarnings("try") // the scope only makes the span current
  private JobOutcome process(JobHandler handler, JobContext ctx) throws Exception {
    Job job = ctx.job();
    Context enqueue = extract(job);
    SpanContext link = Span.fromContext(enqueue).getSpanContext();
    Context claim = receive(ctx, runAsChild && link.isValid() ? enqueue : Context.root(), link);
    SpanBuilder b =
        tracer
            .spanBuilder("process " + job.queue())
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute(SYSTEM, "weft")
            .setAttribute(OPERATION_NAME, "process")
            .setAttribute(OPERATION_TYPE, "process")
            .setAttribute(DESTINATION, job.queue())
            .setAttribute(MESSAGE_ID, String.valueOf(job.id()))
            .setAttribute(KIND, job.kind())
            .setAttribute(ATTEMPT, (long) ctx.attempt());
    if (job.workerId() != null) {
      b.setAttribute(WORKER, job.workerId());
    }
    if (link.isValid()) {
      b.addLink(link);
    }
    b.setParent(claim);
    Span span = b.startSpan();
    long start = time.read();
    String error = null;
    try (Scope ignored = span.makeCurrent()) {
      JobOutcome outcome = handler.handle(ctx);
      String name = outcomeName(outcome);
      span.setAttribute(OUTCOME, name);
      if (outcome instanceof JobOutcome.Retry || outcome instanceof JobOutcome.GiveUp) {
        error = name;
        span.setStatus(StatusCode.ERROR, name);
        span.setAttribute(ERROR_TYPE, name);
      }
      return outcome;
    } catch (Exception | Error e) {
      error = e.getClass().getName();
      span.recordException(e);
      span.setAttribute(OUTCOME, e instanceof InterruptedException ? "released" : "failed");
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      span.setAttribute(ERROR_TYPE, error);
      throw e;
    } finally {
      span.end();
      AttributesBuilder a =
          Attributes.builder()
              .put(SYSTEM, "weft")
              .put(OPERATION_NAME, "process")
              .put(DESTINATION, job.queue());
      if (error != null) {
        a.put(ERROR_TYPE, error);
      }
      processDuration.record(time.since(start).toNanos() / 1e9, a.build());
    }
  }

  /**
   * Records the claim that took {@code ctx}'s job as a finished {@code receive} span under {@code
   * parent}, at the times the worker recorded, and returns {@code parent} with it.
   */
  private Context receive(JobContext ctx, Context parent, SpanContext link) {
    Job job = ctx.job();
    JobContext.Claim claim = ctx.claim();
    SpanBuilder b =
        tracer
            .spanBuilder("receive " + job.queue())
            .setSpanKind(SpanKind.CLIENT)
            .setParent(parent)
            .setStartTimestamp(claim.asked())
            .setAttribute(SYSTEM, "weft")
            .setAttribute(OPERATION_NAME, "receive")
            .setAttribute(OPERATION_TYPE, "receive")
            .setAttribute(DESTINATION, job.queue())
            .setAttribute(MESSAGE_ID, String.valueOf(job.id()))
            .setAttribute(KIND, job.kind())
            .setAttribute(ATTEMPT, (long) ctx.attempt());
    if (claim.jobs() > 1) {
      b.setAttribute(BATCH_COUNT, (long) claim.jobs());
    }
    if (job.workerId() != null) {
      b.setAttribute(WORKER, job.workerId());
    }
    if (link.isValid()) {
      b.addLink(link);
    }
    Span span = b.startSpan();
    span.end(claim.answered());
    if (job.id() != claim.firstJob()) {
      return parent.with(span); // one claim, one measurement: the run of its first job records it
    }
    clientDuration.record(
        Duration.between(claim.asked(), claim.answered()).toNanos() / 1e9,
        Attributes.builder()
            .put(SYSTEM, "weft")
            .put(OPERATION_NAME, "receive")
            .put(DESTINATION, job.queue())
            .build());
    return parent.with(span);
  }

  private static String outcomeName(JobOutcome outcome) {
    return switch (outcome) {
      case JobOutcome.Success s -> "success";
      case JobOutcome.Snooze s -> "snooze";
      case JobOutcome.Retry r -> "retry";
      case JobOutcome.GiveUp g -> "give_up";
    };
  }
}
