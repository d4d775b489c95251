// The embedded event bus hands the relay's batch to each consumer at once (one
// handleBatch call, e.g. one audit insert for the lot), in order, and when the batch
// fails falls back to one event at a time with retries and, in the end, a dead letter.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConsumer, type Consumer } from '../../src/app/consumer.js';
import { createEventBus } from '../../src/adapters/embedded/event-bus.js';
import { openDatabase, sqlRunner, type Database } from '../../src/adapters/postgres/db.js';
import { SCHEMA_VERSION, TOPICS } from '../../src/domain/events.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

const task = (id: number) => ({
  id,
  user_id: 'u1',
  title: `t${id}`,
  description: '',
  completed: false,
  completed_at: null,
  priority: 'none',
  tags: [],
  due_at: null,
  time_zone: 'UTC',
  reminders: [],
  recurrence: null,
  series_id: null,
  occurrence: 1,
  created_at: '2030-01-01T00:00:00.000Z',
  updated_at: '2030-01-01T00:00:00.000Z',
  version: 1,
});
const event = (id: number) => ({
  id: `e${id}`,
  type: 'task.created',
  seq: id,
  data: {
    event_id: `00000000-0000-4000-8000-00000000000${id}`,
    schema_version: SCHEMA_VERSION,
    event_type: 'created',
    task_id: id,
    task_data: task(id),
    user_id: 'u1',
    timestamp: '2030-01-01T00:00:00.000Z',
  },
});

function bus() {
  return createEventBus({ db: database.db, logger: pino({ level: 'silent' }), retries: 1, backoffMs: 1 });
}

describe('embedded event bus', () => {
  it('hands a batch to handleBatch once, in order; a consumer without it gets each event in order', async () => {
    const batches: number[][] = [];
    const single: number[] = [];
    const b = bus();
    b.subscribe(
      defineConsumer({
        name: 'batched',
        topic: TOPICS.taskEvents,
        handle: async (e) => void batches.push([e.data.task_id]),
        handleBatch: async (events) => void batches.push(events.map((e) => e.data.task_id)),
      }) as Consumer,
    );
    b.subscribe(
      defineConsumer({ name: 'single', topic: TOPICS.taskEvents, handle: async (e) => void single.push(e.data.task_id) }) as Consumer,
    );
    await b.publish(TOPICS.taskEvents, [event(1), event(2), event(3)]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(single).toEqual([1, 2, 3]);
  });

  it('after a failed batch delivers one by one, and dead-letters only the event that keeps failing', async () => {
    const handled: number[] = [];
    const b = bus();
    b.subscribe(
      defineConsumer({
        name: 'picky',
        topic: TOPICS.taskEvents,
        handle: async (e) => {
          if (e.data.task_id === 5) throw new Error('task 5 always fails');
          handled.push(e.data.task_id);
        },
        handleBatch: async () => {
          throw new Error('the batch fails as a whole');
        },
      }) as Consumer,
    );
    const result = await b.publish(TOPICS.taskEvents, [event(4), event(5), event(6)]);
    expect(result.failed).toEqual([]);
    expect(handled).toEqual([4, 6]);
    const dead = await sqlRunner(database.db).query<{ consumer: string; reason: string; event_id: string }>(
      `select consumer, reason, event_id from dead_letters where consumer = 'picky'`,
    );
    expect(dead).toEqual([{ consumer: 'picky', reason: 'task 5 always fails', event_id: 'e5' }]);
  });
});
