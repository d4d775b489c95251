/**
 * OpenTelemetry tracing. One trace follows a change from the HTTP request through the
 * database transaction, the outbox, the publish, Kafka and every consumer's handling:
 * the request's context is stored with the outbox row (`traceparent`), the relay's publish
 * span continues it, the CloudEvent carries it, and each consumer's span is its child.
 *
 * Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set — the exporter reads the standard OTEL_*
 * variables; without it trace ids are still created and propagated (and logged), but the
 * spans of traces that start here are not recorded.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, ParentBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export { SpanKind };

let provider: NodeTracerProvider | undefined;

export function initTracing(opts: { serviceName: string; role: string; version: string }): { shutdown(): Promise<void> } {
  if (!provider) {
    const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
    const spanProcessors: SpanProcessor[] = exporting
      ? [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 500 })]
      : [];
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({
        'service.name': process.env.OTEL_SERVICE_NAME ?? opts.serviceName,
        'service.version': opts.version,
        'kairos.role': opts.role,
      }),
      spanProcessors,
      // Nothing exported: a trace this process starts is not recorded (its spans would be
      // built, timed and dropped on every request); its ids are still created, propagated
      // and logged. A caller's sampled traceparent is still honoured, so a trace another
      // service records carries on through this one. Exporting: the SDK's default
      // (OTEL_TRACES_SAMPLER, else parent-based always-on).
      ...(exporting ? {} : { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }),
    });
    provider.register({ propagator: new W3CTraceContextPropagator() });
  }
  const p = provider;
  return { shutdown: () => p.shutdown().catch(() => {}) };
}

const tracer = () => trace.getTracer('kairos');

/** The context a W3C `traceparent` describes (the active context when there is none). */
export function contextFrom(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
}

/** The `traceparent` of the active span (or of `span`), to store with an event or send on. */
export function traceparentOf(span?: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(span ? trace.setSpan(context.active(), span) : context.active(), carrier);
  return carrier.traceparent;
}

/** Runs `fn` inside a new span (child of `parent`, or of the active span); errors mark the span and propagate. */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; parent?: string; attributes?: Attributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ? contextFrom(opts.parent) : context.active();
  const span = tracer().startSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String((err as Error)?.message ?? err) });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Starts a span the caller ends (for spans that outlive one function, like an HTTP request).
 * `root` starts a trace of its own (with `links` to the spans it serves, e.g. a batch send).
 */
export function startSpan(
  name: string,
  opts: { kind?: SpanKind; parent?: string; root?: boolean; links?: Link[]; attributes?: Attributes },
): { span: Span; ctx: Context } {
  const parent = contextFrom(opts.parent);
  const span = tracer().startSpan(
    name,
    {
      kind: opts.kind ?? SpanKind.INTERNAL,
      ...(opts.root ? { root: true } : {}),
      ...(opts.links ? { links: opts.links } : {}),
      ...(opts.attributes ? { attributes: opts.attributes } : {}),
    },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Messaging attributes of a consumer's span (OpenTelemetry semantic conventions). */
export function consumerSpanAttributes(consumer: { name: string; topic: string }, messageId?: string): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': consumer.topic,
    'messaging.consumer.group.name': consumer.name,
    ...(messageId ? { 'messaging.message.id': messageId } : {}),
  };
}

/** trace_id / span_id of the active span, for log lines. */
export function logContext(): { trace_id?: string; span_id?: string } {
  const sc = trace.getSpan(context.active())?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

export { context, SpanStatusCode, trace };
