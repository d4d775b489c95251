// Upgrading a database that has tasks to the migration that stores each task's API JSON
// (drizzle/0003_task_api_json.sql): every existing row gets its JSON, and later writes
// keep it current. The database is brought to the state before 0003 the way the
// migrator would have left it (migrations 0000–0002 applied and recorded), so migrate()
// runs exactly what an upgraded installation runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqlRunner, type Database } from '../../src/adapters/postgres/db.js';

const folder = new URL('../../drizzle/', import.meta.url);
const journal = JSON.parse(readFileSync(new URL('meta/_journal.json', folder), 'utf8')) as {
  entries: { tag: string; when: number }[];
};
const BEFORE = journal.entries.filter((e) => e.tag < '0003');

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  const sql = sqlRunner(database.db);
  await sql.query('create schema drizzle');
  await sql.query('create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)');
  for (const { tag, when } of BEFORE) {
    const text = readFileSync(new URL(`${tag}.sql`, folder), 'utf8');
    for (const statement of text.split('--> statement-breakpoint')) await sql.query(statement);
    const hash = createHash('sha256').update(text).digest('hex');
    await sql.query('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [hash, when]);
  }
  await sql.query(
    `insert into tasks (user_id, title, description, priority, tags, due_at, time_zone, reminders, recurrence_rule, recurrence_mode, created_at, updated_at)
     values ('u1', 'Old "task"', 'from before', 2, '{a,b}', '2030-01-02T03:04:05.678Z', 'Europe/Berlin', '[{"minutes_before":5}]',
             'FREQ=DAILY', 'due', '2029-12-31T23:00:00.001Z', '2029-12-31T23:00:00.001Z'),
            ('u1', 'Done', '', 0, '{}', null, 'UTC', '[]', null, null, now(), now())`,
  );
  await sql.query(`update tasks set completed = true, completed_at = '2030-01-01T00:00:00Z' where title = 'Done'`);
  await database.migrate();
});
afterAll(() => database.close());

describe('migration 0003: tasks.api_json', () => {
  it('renders every existing row, with the recurrence summary the upgrade backfills', async () => {
    const rows = await sqlRunner(database.db).query<{ api_json: string }>('select api_json from tasks order by id');
    const [old, done] = rows.map((r) => JSON.parse(r.api_json));
    expect(old).toEqual({
      id: 1,
      user_id: 'u1',
      title: 'Old "task"',
      description: 'from before',
      completed: false,
      completed_at: null,
      priority: 'medium',
      tags: ['a', 'b'],
      due_at: '2030-01-02T03:04:05.678Z',
      time_zone: 'Europe/Berlin',
      reminders: [{ minutes_before: 5 }],
      recurrence: { rule: 'FREQ=DAILY', mode: 'due', summary: expect.stringMatching(/day/i) },
      series_id: null,
      occurrence: 1,
      created_at: '2029-12-31T23:00:00.001Z',
      updated_at: '2029-12-31T23:00:00.001Z',
      version: 1,
    });
    expect(done).toMatchObject({ id: 2, completed: true, completed_at: '2030-01-01T00:00:00.000Z', recurrence: null });
  });

  it('keeps the stored JSON current on every later write, whoever writes', async () => {
    const sql = sqlRunner(database.db);
    await sql.query(`update tasks set title = 'Renamed', version = version + 1 where id = 1`);
    const [row] = await sql.query<{ api_json: string }>('select api_json from tasks where id = 1');
    expect(JSON.parse(row!.api_json)).toMatchObject({ title: 'Renamed', version: 2 });
    const [inserted] = await sql.query<{ api_json: string }>(`insert into tasks (user_id, title) values ('u2', 'New') returning api_json`);
    expect(JSON.parse(inserted!.api_json)).toMatchObject({ user_id: 'u2', title: 'New', priority: 'none', tags: [] });
  });
});
