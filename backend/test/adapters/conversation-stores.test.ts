/**
 * The conversation store contract, run against both adapters: the embedded database
 * (PGlite, or PostgreSQL at DATABASE_URL) and the Dapr state store — the latter behind a
 * fake sidecar that keeps state in memory with Dapr's ETag semantics (first-write: a
 * stale ETag is a 409), so concurrent writers really conflict and must retry.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaprConversationStore, MESSAGES_KEPT } from '../../src/adapters/dapr/conversations.js';
import { DaprError, type DaprSidecar } from '../../src/adapters/dapr/sidecar.js';
import { createPostgresConversationStore } from '../../src/adapters/postgres/assistant.js';
import { openDatabase, type Database } from '../../src/adapters/postgres/db.js';
import type { ChatMessage, ConversationStore } from '../../src/ports/conversations.js';

/** An in-memory Dapr state store: GET state, POST transaction with ETags; keys as daprd checks them. */
function fakeStateSidecar() {
  const state = new Map<string, { value: string; etag: number }>();
  let version = 0;
  let conflicts = 0;
  // daprd answers 400 ERR_MALFORMED_REQUEST: `||` separates the app id it prefixes every key with
  const checkKey = (key: string) => {
    if (key.includes('||')) throw new DaprError(400, 'ERR_MALFORMED_REQUEST', `input key/keyPrefix '${key}' can't contain '||'`);
  };
  const dapr = {
    async request(method: string, path: string, o: { body?: unknown } = {}) {
      // let concurrent callers interleave like real HTTP round trips
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      const get = /^\/v1\.0\/state\/kairos-state\/(.+)$/.exec(path);
      if (method === 'GET' && get) {
        const key = decodeURIComponent(get[1]!);
        checkKey(key);
        const item = state.get(key);
        return item ? new Response(item.value, { status: 200, headers: { etag: String(item.etag) } }) : new Response(null, { status: 204 });
      }
      if (method === 'POST' && path === '/v1.0/state/kairos-state/transaction') {
        const ops = (o.body as { operations: Array<{ operation: string; request: { key: string; value?: unknown; etag?: string } }> })
          .operations;
        for (const { request } of ops) {
          checkKey(request.key);
          const current = state.get(request.key);
          if (request.etag !== undefined && String(current?.etag) !== request.etag) {
            conflicts++;
            throw new DaprError(409, 'ERR_STATE_TRANSACTION', `possible etag mismatch for ${request.key}`);
          }
        }
        for (const { operation, request } of ops) {
          if (operation === 'delete') state.delete(request.key);
          else state.set(request.key, { value: JSON.stringify(request.value), etag: ++version });
        }
        return new Response(null, { status: 204 });
      }
      throw new Error(`unexpected ${method} ${path}`);
    },
  } as unknown as DaprSidecar;
  return { dapr, state, conflicts: () => conflicts };
}

const msg = (role: ChatMessage['role'], content: string, at: string): ChatMessage => ({ role, content, tool_calls: [], created_at: at });

let database: Database;
const fake = fakeStateSidecar();
beforeAll(async () => {
  database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

describe.each([
  ['embedded database', () => createPostgresConversationStore(database.db)],
  ['Dapr state store', () => createDaprConversationStore(fake.dapr)],
] as Array<[string, () => ConversationStore]>)('conversation store: %s', (_name, make) => {
  const ada = `ada-${randomUUID()}`;
  const bob = `bob-${randomUUID()}`;

  it('creates, lists most recent first, reads messages in order, renames, deletes — per owner', async () => {
    const store = make();
    const a = randomUUID();
    const b = randomUUID();
    await store.create(ada, { id: a, title: 'Groceries', at: '2026-03-01T10:00:00.000Z' });
    await store.create(ada, { id: b, title: 'Bills', at: '2026-03-01T11:00:00.000Z' });
    expect((await store.list(ada, 10)).map((c) => c.id)).toEqual([b, a]);

    expect(
      await store.append(ada, a, [msg('user', 'hi', '2026-03-01T12:00:00.000Z'), msg('assistant', 'hello', '2026-03-01T12:00:01.000Z')]),
    ).toBe(true);
    expect((await store.list(ada, 10)).map((c) => c.id)).toEqual([a, b]);
    expect(await store.get(ada, a)).toMatchObject({ title: 'Groceries', updated_at: '2026-03-01T12:00:01.000Z' });
    expect((await store.messages(ada, a, 10))!.map((m) => m.content)).toEqual(['hi', 'hello']);
    expect((await store.messages(ada, a, 1))!.map((m) => m.content)).toEqual(['hello']);

    // another owner sees nothing and changes nothing
    expect(await store.get(bob, a)).toBeNull();
    expect(await store.messages(bob, a, 10)).toBeNull();
    expect(await store.append(bob, a, [msg('user', 'intruder', '2026-03-01T13:00:00.000Z')])).toBe(false);
    expect(await store.rename(bob, a, 'Mine')).toBeNull();
    expect(await store.remove(bob, a)).toBe(false);
    expect(await store.list(bob, 10)).toEqual([]);
    expect((await store.messages(ada, a, 10))!.map((m) => m.content)).toEqual(['hi', 'hello']);

    expect(await store.rename(ada, a, 'Food')).toMatchObject({ id: a, title: 'Food' });
    expect((await store.list(ada, 10)).find((c) => c.id === a)?.title).toBe('Food');
    expect(await store.remove(ada, b)).toBe(true);
    expect(await store.remove(ada, b)).toBe(false);
    expect((await store.list(ada, 10)).map((c) => c.id)).toEqual([a]);
    expect(await store.messages(ada, b, 10)).toBeNull();
  });

  it("a new user's first conversations, created at once, are all listed", async () => {
    const store = make();
    const user = `new-${randomUUID()}`;
    const ids = Array.from({ length: 6 }, () => randomUUID());
    await Promise.all(ids.map((id, i) => store.create(user, { id, title: `c${i}`, at: `2026-03-04T10:00:0${i}.000Z` })));
    expect((await store.list(user, 10)).map((c) => c.id).sort()).toEqual([...ids].sort());
  });

  it('concurrent appends to one conversation all land', async () => {
    const store = make();
    const id = randomUUID();
    await store.create(ada, { id, title: 'Busy', at: '2026-03-02T10:00:00.000Z' });
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.append(ada, id, [msg('user', `m${i}`, `2026-03-02T10:00:0${i}.000Z`)])));
    expect((await store.messages(ada, id, 100))!.map((m) => m.content).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  });
});

describe('Dapr conversation store specifics', () => {
  it('concurrent writers really conflicted and were retried (the test above is meaningful)', () => {
    expect(fake.conflicts()).toBeGreaterThan(0);
  });

  it(`keeps the newest ${MESSAGES_KEPT} messages of a conversation`, async () => {
    const store = createDaprConversationStore(fake.dapr);
    const user = `u-${randomUUID()}`;
    const id = randomUUID();
    await store.create(user, { id, title: 'Long', at: '2026-03-03T00:00:00.000Z' });
    const many = Array.from({ length: MESSAGES_KEPT + 5 }, (_, i) =>
      msg('user', `m${i}`, new Date(Date.UTC(2026, 2, 3, 0, 0, i)).toISOString()),
    );
    await store.append(user, id, many);
    const kept = (await store.messages(user, id, 10_000))!;
    expect(kept.length).toBe(MESSAGES_KEPT);
    expect(kept[0]!.content).toBe('m5');
  });
});
