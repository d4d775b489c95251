/**
 * What GET /ws sends: one JSON message per frame, one of these. The contract file
 * (`web/lib/api/openapi.json`, written by `npm run contracts`) carries this schema as
 * `components.schemas.RealtimeMessage`, and the web app's type for the messages is
 * generated from it. `id` is the outbox sequence number of the update: a client that
 * reconnects with `?after=<id>` gets what it missed.
 */
import { z } from 'zod';
import { notificationSchema } from './routes/user-data.js';
import { taskResponse } from './schemas.js';

const eventId = z.string().regex(/^\d+$/).describe('Sequence number of the update; resume with `?after=<id>`');

export const realtimeMessageSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('hello'),
        last_id: z.string().regex(/^\d+$/).describe('The latest update id when the connection opened (after any replay)'),
      })
      .describe('Sent once per connection, after the replay of what the client missed'),
    z.object({ type: z.literal('ping') }).describe('Heartbeat, every 25 s'),
    z
      .object({
        type: z.enum(['task.created', 'task.updated', 'task.completed', 'task.deleted']),
        id: eventId,
        task: taskResponse.describe('The task after the change (for `task.deleted`, as it was deleted)'),
      })
      .describe('A task of this user changed'),
    z
      .object({ type: z.literal('notification'), id: eventId, notification: notificationSchema })
      .describe('A reminder came due: the in-app notification it created'),
  ])
  .describe('A message on the realtime WebSocket (GET /ws)');

export type RealtimeMessage = z.infer<typeof realtimeMessageSchema>;
