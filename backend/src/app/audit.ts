/** Audit: every task event becomes an append-only history entry (idempotent per event id). */
import { TOPICS } from '../domain/events.js';
import type { AuditStore } from '../ports/index.js';
import { defineConsumer } from './consumer.js';

export const auditConsumer = (store: AuditStore) =>
  defineConsumer({
    name: 'audit',
    topic: TOPICS.taskEvents,
    async handle({ data }) {
      await store.append({
        event_id: data.event_id,
        user_id: data.user_id,
        task_id: data.task_id,
        event_type: data.event_type,
        task_data: data.task_data,
        at: data.timestamp,
      });
    },
  });
