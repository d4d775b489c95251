/**
 * The Dapr inbound adapter: what the Dapr sidecar calls on an app. Subscription
 * deliveries take the one delivery path (app/delivery.ts), like the embedded bus's.
 * - POST /events/<topic>  — a subscription delivery (a CloudEvent). 200 SUCCESS when
 *   handled; an event that breaks its contract answers DROP, which sends it to the
 *   topic's dead-letter topic; any other failure answers 500 so Dapr retries (per the
 *   resiliency policy) and dead-letters it when the retries run out.
 * - POST /events/<topic>/bulk — a bulk subscription delivery (up to maxMessagesCount
 *   CloudEvents): a status per entry with the same meaning, the valid ones handled
 *   together (`handleBatch`: one transaction for the lot).
 * - POST /job/<name>      — a Dapr Jobs callback: a reminder alarm (every job due by its instant).
 * - POST /internal/tasks/next-occurrence — service invocation from the recurrence role.
 * - OPTIONS|POST /overdue-sweep — the cron input binding.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Consumer } from '../../app/consumer.js';
import { createDelivery, type DeliveryObserver, type IncomingEvent } from '../../app/delivery.js';
import type { FireDueJobs } from '../../app/reminders.js';
import type { TaskService } from '../../app/tasks.js';
import type { ReminderJobPayload } from '../../domain/events.js';
import type { Task } from '../../domain/types.js';
import { traceparentOf } from '../../observability/tracing.js';
import { alarmInstant } from './jobs.js';

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

interface BulkEntry {
  entryId?: string;
  event?: CloudEvent;
}

/** A CloudEvent as the delivery path takes it (the outbox sequence number rides in `kairosseq`). */
const incoming = (ce: CloudEvent): IncomingEvent => ({
  ...(ce.id !== undefined ? { id: ce.id } : {}),
  data: ce.data,
  ...(ce.kairosseq && /^\d+$/.test(ce.kairosseq) ? { seq: Number(ce.kairosseq) } : {}),
  ...(ce.traceparent ? { traceparent: ce.traceparent } : {}),
});

export async function subscriptionRoutes(app: FastifyInstance, opts: { consumers: Consumer[]; observe: DeliveryObserver; logger: Logger }) {
  acceptCloudEvents(app);
  // Dapr retries a RETRY per the resiliency policy and sends a DROP to the dead-letter topic.
  const delivery = createDelivery({ logger: opts.logger, observe: opts.observe, whenFailing: { redeliveredBy: 'Dapr' } });

  for (const consumer of opts.consumers) {
    app.post(`/events/${consumer.topic}`, { schema: { hide: true } }, async (req, reply) => {
      const status = await delivery.deliver(consumer, incoming((req.body ?? {}) as CloudEvent));
      return status === 'RETRY' ? reply.status(500).send({ status }) : { status };
    });

    app.post(`/events/${consumer.topic}/bulk`, { schema: { hide: true } }, async (req) => {
      const entries = ((req.body as { entries?: BulkEntry[] } | null)?.entries ?? []).filter(
        (e): e is Required<BulkEntry> => typeof e?.entryId === 'string',
      );
      const verdicts = await delivery.deliverBatch(
        consumer,
        entries.map((e) => incoming(e.event ?? {})),
      );
      return { statuses: entries.map((e, i) => ({ entryId: e.entryId, status: verdicts[i]! })) };
    });
  }
}

const legacyJobPayload = z.object({ user_id: z.string().min(1), task_id: z.number().int(), remind_at: z.iso.datetime({ offset: true }) });

export async function jobRoutes(
  app: FastifyInstance,
  opts: {
    onDue: FireDueJobs;
    /** A job of the earlier one-Dapr-job-per-reminder scheme: put it on the schedule (it then fires from there). */
    adopt: (name: string, payload: ReminderJobPayload) => Promise<void>;
    logger: Logger;
  },
) {
  app.post('/job/:name', { schema: { hide: true } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const instant = alarmInstant(name);
    if (instant) {
      await opts.onDue(instant);
      return { status: 'OK' };
    }
    // Jobs scheduled before alarms per instant (one Dapr job per reminder, its data the reminder)
    const payload = legacyJobPayload.safeParse(req.body);
    if (!payload.success) {
      // Not retriable: acknowledge so the scheduler does not retry a job it cannot ever run.
      opts.logger.error({ job: name, issues: payload.error.issues }, 'job with an unknown name or an invalid payload dropped');
      return reply.status(200).send({ status: 'DROPPED' });
    }
    await opts.adopt(name, payload.data);
    await opts.onDue(new Date(payload.data.remind_at));
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
export async function internalRoutes(
  app: FastifyInstance,
  opts: { tasks: Pick<TaskService, 'createNextOccurrence'>; allowedCaller: string },
) {
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
