/**
 * A migrated database for one test file: PGlite in memory, or — with DATABASE_URL — a
 * database of its own on that PostgreSQL server (so that several connections really run
 * at once, and no other test's relay is there), dropped again by `close`.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/adapters/postgres/db.js';

export async function openOwnDatabase(prefix: string): Promise<{ database: Database; close: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate();
    return { database, close: () => database.close() };
  }
  const own = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  await admin(`create database ${own}`);
  const url = new URL(server);
  url.pathname = `/${own}`;
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  return {
    database,
    close: async () => {
      await database.close();
      await admin(`drop database ${own}`);
    },
  };
}
