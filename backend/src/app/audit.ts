/**
 * Audit: every task event becomes an append-only history entry (idempotent per event id).
 * A bulk delivery is one insert for the lot.
 */
import type { z } from 'zod';
import { TOPICS, type EVENT_SCHEMAS } from '../domain/events.js';
import type { AuditEntry, AuditStore } from '../ports/index.js';
import { defineConsumer, type Envelope } from './consumer.js';

type TaskEventData = z.infer<(typeof EVENT_SCHEMAS)[typeof TOPICS.taskEvents]>;

const entryOf = ({ data }: Envelope<TaskEventData>): AuditEntry => ({
  event_id: data.event_id,
  user_id: data.user_id,
  task_id: data.task_id,
  event_type: data.event_type,
  task_data: data.task_data,
  at: data.timestamp,
});

export const auditConsumer = (store: AuditStore) =>
  defineConsumer({
    name: 'audit',
    topic: TOPICS.taskEvents,
    handle: (event) => store.append([entryOf(event)]),
    handleBatch: (events) => store.append(events.map(entryOf)),
  });
