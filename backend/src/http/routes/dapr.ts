/**
 * What the Dapr sidecar calls on an app:
 * - POST /events/<topic>  — a subscription delivery (a CloudEvent). 200 SUCCESS when
 *   handled; an event that breaks its contract answers DROP, which sends it to the
 *   topic's dead-letter topic; any other failure answers 500 so Dapr retries (per the
 *   resiliency policy) and dead-letters it when the retries run out.
 * - POST /events/<topic>/bulk — a bulk subscription delivery (up to maxMessagesCount
 *   CloudEvents): a status per entry with the same meaning, the valid ones handled
 *   together (`handleBatch`: one transaction for the lot).
 * - POST /job/<name>      — a Dapr Jobs callback (reminders).
 * - POST /internal/tasks/next-occurrence — service invocation from the recurrence role.
 * - OPTIONS|POST /overdue-sweep — the cron input binding.
 */
import { consumerSpanAttributes, inSpan, SpanKind, SpanStatusCode, startSpan, traceparentOf } from '../../observability/tracing.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseEvent, PoisonEventError, type Consumer } from '../../app/consumer.js';
import type { TaskService } from '../../app/tasks.js';
import type { DeliveryObserver } from '../../adapters/embedded/event-bus.js';
import type { ReminderJobPayload, Topic } from '../../domain/events.js';
import type { Task } from '../../domain/types.js';

interface CloudEvent {
  id?: string;
  data?: unknown;
  traceparent?: string;
  kairosseq?: string;
}

function acceptCloudEvents(app: FastifyInstance) {
  app.addContentTypeParser('application/cloudevents+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

type Outcome = 'ok' | 'dead_lettered' | 'retried';
interface BulkEntry {
  entryId?: string;
  event?: CloudEvent;
}

/** The event's contract-checked envelope, or the reason it can never be handled. */
function envelopeOf(consumer: Consumer, ce: CloudEvent) {
  const data = parseEvent(consumer.topic as Topic, ce.data);
  const seq = ce.kairosseq && /^\d+$/.test(ce.kairosseq) ? Number(ce.kairosseq) : undefined;
  return { data, ...(seq !== undefined ? { seq } : {}) };
}

export async function subscriptionRoutes(app: FastifyInstance, opts: { consumers: Consumer[]; observe: DeliveryObserver; logger: Logger }) {
  acceptCloudEvents(app);
  const observe = (consumer: Consumer, outcome: Outcome, started: number, ce: CloudEvent) =>
    opts.observe(
      consumer.name,
      consumer.topic,
      outcome,
      (performance.now() - started) / 1000,
      (ce.data as { timestamp?: string } | undefined)?.timestamp,
    );
  const deadLetter = (consumer: Consumer, ce: CloudEvent, err: Error) =>
    opts.logger.error({ consumer: consumer.name, topic: consumer.topic, event_id: ce.id, reason: err.message }, 'event dead-lettered');

  for (const consumer of opts.consumers) {
    app.post(`/events/${consumer.topic}`, { schema: { hide: true } }, async (req, reply) => {
      const ce = (req.body ?? {}) as CloudEvent;
      const started = performance.now();
      try {
        const envelope = envelopeOf(consumer, ce);
        await inSpan(
          `${consumer.name} process ${consumer.topic}`,
          { kind: SpanKind.CONSUMER, parent: ce.traceparent, attributes: consumerSpanAttributes(consumer, ce.id) },
          (span) => consumer.handle({ ...envelope, traceparent: traceparentOf(span) } as never),
        );
        observe(consumer, 'ok', started, ce);
        return { status: 'SUCCESS' };
      } catch (err) {
        if (err instanceof PoisonEventError) {
          deadLetter(consumer, ce, err);
          observe(consumer, 'dead_lettered', started, ce);
          return { status: 'DROP' };
        }
        opts.logger.warn({ err, consumer: consumer.name, event_id: ce.id }, 'event handling failed; Dapr will retry');
        observe(consumer, 'retried', started, ce);
        return reply.status(500).send({ status: 'RETRY' });
      }
    });

    app.post(`/events/${consumer.topic}/bulk`, { schema: { hide: true } }, async (req) => {
      const entries = ((req.body as { entries?: BulkEntry[] } | null)?.entries ?? []).filter(
        (e): e is Required<BulkEntry> => typeof e?.entryId === 'string',
      );
      const started = performance.now();
      const statuses: { entryId: string; status: 'SUCCESS' | 'DROP' | 'RETRY' }[] = [];
      // one consumer span per event, in the event's own trace, spanning the batch's handling
      const valid: { entryId: string; ce: CloudEvent; span: ReturnType<typeof startSpan>['span']; envelope: object }[] = [];
      for (const { entryId, event } of entries) {
        const ce = event ?? {};
        try {
          const envelope = envelopeOf(consumer, ce);
          const { span } = startSpan(`${consumer.name} process ${consumer.topic}`, {
            kind: SpanKind.CONSUMER,
            ...(ce.traceparent ? { parent: ce.traceparent } : {}),
            attributes: { ...consumerSpanAttributes(consumer, ce.id), 'messaging.batch.message_count': entries.length },
          });
          valid.push({ entryId, ce, span, envelope: { ...envelope, traceparent: traceparentOf(span) } });
        } catch (err) {
          if (!(err instanceof PoisonEventError)) throw err;
          deadLetter(consumer, ce, err);
          observe(consumer, 'dead_lettered', started, ce);
          statuses.push({ entryId, status: 'DROP' });
        }
      }
      if (valid.length === 0) return { statuses };
      let outcome: Outcome = 'ok';
      try {
        const events = valid.map((v) => v.envelope) as never[];
        if (consumer.handleBatch) await consumer.handleBatch(events);
        else for (const e of events) await consumer.handle(e);
      } catch (err) {
        outcome = 'retried';
        opts.logger.warn({ err, consumer: consumer.name, events: valid.length }, 'bulk delivery failed; Dapr will retry it');
        for (const v of valid) v.span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      }
      for (const v of valid) {
        v.span.end();
        observe(consumer, outcome, started, v.ce);
        statuses.push({ entryId: v.entryId, status: outcome === 'ok' ? 'SUCCESS' : 'RETRY' });
      }
      return { statuses };
    });
  }
}

const jobPayload = z.object({ user_id: z.string().min(1), task_id: z.number().int(), remind_at: z.iso.datetime({ offset: true }) });

export async function jobRoutes(
  app: FastifyInstance,
  opts: { onReminder: (name: string, payload: ReminderJobPayload, dueAt: Date) => Promise<void>; logger: Logger },
) {
  app.post('/job/:name', { schema: { hide: true } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const payload = jobPayload.safeParse(req.body);
    if (!payload.success) {
      // Not retriable: acknowledge so the scheduler does not retry a job it cannot ever run.
      opts.logger.error({ job: name, issues: payload.error.issues }, 'reminder job with an invalid payload dropped');
      return reply.status(200).send({ status: 'DROPPED' });
    }
    await opts.onReminder(name, payload.data, new Date(payload.data.remind_at));
    return { status: 'OK' };
  });
}

const nextOccurrenceBody = z.object({
  user_id: z.string().min(1),
  task: z.looseObject({
    id: z.number().int(),
    series_id: z.string().nullable(),
    occurrence: z.number().int(),
    due_at: z.string().nullable(),
  }),
  traceparent: z.string().optional(),
});

/** Only the recurrence role may call this (Dapr access control; the caller id is checked here too). */
export async function internalRoutes(app: FastifyInstance, opts: { tasks: TaskService; allowedCaller: string }) {
  app.post('/internal/tasks/next-occurrence', { schema: { hide: true } }, async (req, reply) => {
    const caller = req.headers['dapr-caller-app-id'];
    if (caller !== opts.allowedCaller) return reply.status(403).send({ title: 'Forbidden', detail: 'internal endpoint' });
    const body = nextOccurrenceBody.safeParse(req.body);
    if (!body.success) return reply.status(400).send({ title: 'Invalid request', detail: body.error.message });
    const traceparent = traceparentOf() ?? body.data.traceparent;
    const next = await opts.tasks.createNextOccurrence(
      body.data.user_id,
      body.data.task as unknown as Task,
      traceparent ? { traceparent } : {},
    );
    return { task: next };
  });
}

export async function cronRoutes(app: FastifyInstance, opts: { sweep: () => Promise<void> }) {
  // daprd probes an input binding's route with OPTIONS before enabling it.
  app.options('/overdue-sweep', { schema: { hide: true } }, async () => ({}));
  // The cron binding posts an empty body labelled application/json; there is nothing to parse.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, _body, done) => done(null, null));
  app.post('/overdue-sweep', { schema: { hide: true } }, async () => {
    await opts.sweep();
    return { status: 'OK' };
  });
}
