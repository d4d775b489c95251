// An import's batch of tasks is one statement: the rows come back in the order given, each
// rendered as the API shows it, completed ones completed, every field as sent.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/postgres/db.js';
import { createUnitOfWork } from '../../src/adapters/postgres/outbox.js';
import type { ImportedTaskRow } from '../../src/ports/index.js';
import { openOwnDatabase } from './own-database.js';

let database: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ database, close } = await openOwnDatabase('insert_many'));
});
afterAll(() => close());

const row = (title: string, extra: Partial<ImportedTaskRow> = {}): ImportedTaskRow => ({
  title,
  description: '',
  priority: 'none',
  tags: [],
  due_at: null,
  time_zone: 'UTC',
  reminders: [],
  recurrence: null,
  series_id: null,
  occurrence: 1,
  completed: false,
  completed_at: null,
  ...extra,
});

it('inserts every row in one statement and returns them in the order given', async () => {
  const uow = createUnitOfWork(database.db, () => {});
  const series = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
  const rows: ImportedTaskRow[] = [
    row('Plain'),
    row('Reminded', {
      priority: 'high',
      tags: ['home', 'urgent'],
      due_at: '2030-01-02T09:30:00.000Z',
      time_zone: 'Europe/Berlin',
      reminders: [{ at: '2030-01-02T09:00:00.000Z' }],
      description: 'with "quotes" and\nlines',
    }),
    row('Done already', { completed: true, completed_at: '2026-11-01T08:00:00.000Z' }),
    row('Standup', {
      recurrence: { rule: 'FREQ=DAILY', mode: 'completion' },
      series_id: series,
      occurrence: 3,
      due_at: '2030-01-03T08:00:00.000Z',
    }),
    ...Array.from({ length: 60 }, (_, i) => row(`Bulk ${i}`, { priority: 'low' })),
  ];
  const tasks = await uow.run((tx) => tx.tasks.insertMany('user-a', rows));

  expect(tasks.map((t) => t.title)).toEqual(rows.map((r) => r.title));
  expect(new Set(tasks.map((t) => t.id)).size).toBe(rows.length);
  expect(tasks.every((t) => t.user_id === 'user-a' && t.version === 1)).toBe(true);
  expect(tasks[1]).toMatchObject({
    priority: 'high',
    tags: ['home', 'urgent'],
    due_at: '2030-01-02T09:30:00.000Z',
    time_zone: 'Europe/Berlin',
    reminders: [{ at: '2030-01-02T09:00:00.000Z' }],
    description: 'with "quotes" and\nlines',
    completed: false,
    completed_at: null,
  });
  expect(tasks[2]).toMatchObject({ completed: true, completed_at: '2026-11-01T08:00:00.000Z' });
  expect(tasks[3]).toMatchObject({ recurrence: { rule: 'FREQ=DAILY', mode: 'completion' }, series_id: series, occurrence: 3 });
  // what was returned is what is stored
  const reader = createUnitOfWork(database.db, () => {});
  const stored = await reader.run((tx) => tx.tasks.getMany(tasks.map((t) => ({ userId: 'user-a', id: t.id }))));
  expect(new Map(stored.map((t) => [t.id, t]))).toEqual(new Map(tasks.map((t) => [t.id, t])));
});

it('an empty batch is no statement and no error', async () => {
  const uow = createUnitOfWork(database.db, () => {});
  expect(await uow.run((tx) => tx.tasks.insertMany('user-a', []))).toEqual([]);
});
