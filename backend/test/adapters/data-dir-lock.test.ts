// One process per embedded data folder (src/adapters/postgres/data-dir-lock.ts): a second
// open of a folder that is in use waits, then fails naming the folder; a clean close frees
// it at once; a lock its holder stopped refreshing (the holder was killed) is taken over.
// The same between real processes: test/roles/data-dir.test.ts.
import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DataDirInUseError, STALE_MS } from '../../src/adapters/postgres/data-dir-lock.js';
import { openDatabase } from '../../src/adapters/postgres/db.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('a folder in use is not opened a second time; once closed, it opens at once', async () => {
  const dataDir = join(root, 'in-use');
  const first = await openDatabase({ dataDir });
  const started = Date.now();
  const second = openDatabase({ dataDir, dataDirWaitMs: 400 });
  await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
  await expect(second).rejects.toThrow(`the data folder ${dataDir} is in use by another Kairos process`);
  expect(Date.now() - started).toBeGreaterThanOrEqual(400); // it waited for the folder first
  await first.ping(); // the holder is unaffected

  await first.close();
  const opened = Date.now();
  const again = await openDatabase({ dataDir, dataDirWaitMs: 0 });
  expect(Date.now() - opened).toBeLessThan(5_000);
  await again.ping();
  await again.close();
});

it('a second open waits for the holder to close, then opens', async () => {
  const dataDir = join(root, 'handed-over');
  const first = await openDatabase({ dataDir });
  const second = openDatabase({ dataDir, dataDirWaitMs: 10_000 });
  await new Promise((r) => setTimeout(r, 300));
  await first.close();
  const db = await second;
  await db.ping();
  await db.close();
});

it('takes over a lock its holder stopped refreshing (a killed process), and refuses a fresh one', async () => {
  const dataDir = join(root, 'left-behind');
  mkdirSync(join(dataDir, 'kairos.lock'), { recursive: true }); // what a killed holder leaves
  await expect(openDatabase({ dataDir, dataDirWaitMs: 300 })).rejects.toBeInstanceOf(DataDirInUseError);

  const longAgo = new Date(Date.now() - STALE_MS - 5_000);
  utimesSync(join(dataDir, 'kairos.lock'), longAgo, longAgo);
  const db = await openDatabase({ dataDir, dataDirWaitMs: 0 });
  await db.ping();
  await db.close();
});

it('an in-memory database takes no lock', async () => {
  const a = await openDatabase({ dataDir: 'memory://' });
  const b = await openDatabase({ dataDir: 'memory://', dataDirWaitMs: 0 });
  await Promise.all([a.ping(), b.ping()]);
  await Promise.all([a.close(), b.close()]);
});
