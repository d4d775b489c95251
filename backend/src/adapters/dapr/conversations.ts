/**
 * Conversations in the Dapr state store (`kairos-state`, state.postgresql) — the
 * distributed mode's conversation store. Per user, one index document lists the
 * conversations (key `conversations:<user>`); each conversation is one document with its
 * messages, the newest MESSAGES_KEPT (key `conversation:<user>:<id>`). Writes that touch both go in one state transaction guarded by ETags
 * (first-write-wins), retried when another replica wrote first.
 */
import type { ChatMessage, Conversation, ConversationStore } from '../../ports/conversations.js';
import { STATE_STORE } from './names.js';
import { DaprError, type DaprSidecar } from './sidecar.js';

/** Messages kept per conversation; older ones drop off (the model sees the last 40 anyway). */
export const MESSAGES_KEPT = 500;
const RETRIES = 8;

interface IndexDoc {
  items: Conversation[];
}
interface ConversationDoc {
  conversation: Conversation;
  messages: ChatMessage[];
}
interface Stored<T> {
  value: T | null;
  etag: string | undefined;
}
type Operation =
  | { operation: 'upsert'; key: string; value: unknown; etag: string | undefined }
  | { operation: 'delete'; key: string; etag: string | undefined };

class Conflict extends Error {}

export function createDaprConversationStore(dapr: DaprSidecar): ConversationStore {
  // Dapr refuses keys containing `||` (its own app-id separator): `:` like the processed-event marks.
  const indexKey = (userId: string) => `conversations:${userId}`;
  const docKey = (userId: string, id: string) => `conversation:${userId}:${id}`;
  const base = `/v1.0/state/${STATE_STORE}`;

  async function read<T>(key: string): Promise<Stored<T>> {
    const res = await dapr.request('GET', `${base}/${encodeURIComponent(key)}`);
    const text = res.status === 204 ? '' : await res.text();
    return { value: text ? (JSON.parse(text) as T) : null, etag: res.headers.get('etag') ?? undefined };
  }

  async function write(ops: Operation[]): Promise<void> {
    try {
      await dapr.request('POST', `${base}/transaction`, {
        body: {
          operations: ops.map((op) => ({
            operation: op.operation,
            request: {
              key: op.key,
              ...(op.operation === 'upsert' ? { value: op.value } : {}),
              // A missing document is created only if it is still missing: an empty ETag is not
              // accepted by every store, so a first write goes without one (ids are fresh UUIDs).
              ...(op.etag ? { etag: op.etag, options: { concurrency: 'first-write' } } : {}),
            },
          })),
        },
      });
    } catch (err) {
      if (err instanceof DaprError && (err.status === 409 || /etag/i.test(err.message))) throw new Conflict();
      throw err;
    }
  }

  /** Reads, changes and writes with ETags; runs `change` again when another writer won. */
  async function retrying<T>(change: () => Promise<{ ops: Operation[]; result: T } | null>): Promise<T | null> {
    for (let attempt = 0; ; attempt++) {
      const planned = await change();
      if (planned === null) return null;
      try {
        if (planned.ops.length) await write(planned.ops);
        return planned.result;
      } catch (err) {
        if (!(err instanceof Conflict) || attempt >= RETRIES) throw err;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  const sortIndex = (items: Conversation[]) => items.sort((a, b) => b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id));

  /** Applies `edit` to the user's index entry for `id` (or removes it) and writes it with `extra`. */
  function indexUpdate(userId: string, index: Stored<IndexDoc>, id: string, entry: Conversation | null, extra: Operation[]): Operation[] {
    const items = (index.value?.items ?? []).filter((c) => c.id !== id);
    if (entry) items.push(entry);
    return [{ operation: 'upsert', key: indexKey(userId), value: { items: sortIndex(items) }, etag: index.etag }, ...extra];
  }

  /**
   * firstIndexRace: a user's very first index document is written without an ETag (there
   * is none yet), so two first conversations created at once could overwrite each other's
   * entry. Creates are serialised per user in this process, and each create checks its
   * entry afterwards and puts it back; what remains is two replicas creating a new user's
   * first two conversations within the same few milliseconds.
   */
  const creating = new Map<string, Promise<unknown>>();
  async function createNow(userId: string, c: { id: string; title: string; at: string }): Promise<Conversation> {
    const conversation: Conversation = { id: c.id, title: c.title, created_at: c.at, updated_at: c.at };
    const doc: ConversationDoc = { conversation, messages: [] };
    await retrying(async () => {
      const index = await read<IndexDoc>(indexKey(userId));
      return {
        ops: indexUpdate(userId, index, c.id, conversation, [
          { operation: 'upsert', key: docKey(userId, c.id), value: doc, etag: undefined },
        ]),
        result: true,
      };
    });
    // A user's very first index document is written without an ETag (there is none yet), so
    // two first conversations created at once can overwrite each other's entry: put it back.
    await retrying(async () => {
      const index = await read<IndexDoc>(indexKey(userId));
      if (index.value?.items.some((x) => x.id === c.id)) return null;
      const current = (await read<ConversationDoc>(docKey(userId, c.id))).value?.conversation;
      return current ? { ops: indexUpdate(userId, index, c.id, current, []), result: true } : null;
    });
    return conversation;
  }

  return {
    create(userId, c) {
      // One create at a time per user in this process: see firstIndexRace below.
      const previous = creating.get(userId) ?? Promise.resolve();
      const next = previous.then(() => createNow(userId, c));
      const settled = next.catch(() => {});
      creating.set(userId, settled);
      void settled.then(() => {
        if (creating.get(userId) === settled) creating.delete(userId);
      });
      return next;
    },

    async get(userId, id) {
      return (await read<ConversationDoc>(docKey(userId, id))).value?.conversation ?? null;
    },

    async list(userId, limit) {
      return sortIndex((await read<IndexDoc>(indexKey(userId))).value?.items ?? []).slice(0, limit);
    },

    async rename(userId, id, title) {
      return retrying(async () => {
        const [doc, index] = await Promise.all([read<ConversationDoc>(docKey(userId, id)), read<IndexDoc>(indexKey(userId))]);
        if (!doc.value) return null;
        const conversation = { ...doc.value.conversation, title };
        return {
          ops: indexUpdate(userId, index, id, conversation, [
            { operation: 'upsert', key: docKey(userId, id), value: { ...doc.value, conversation }, etag: doc.etag },
          ]),
          result: conversation,
        };
      });
    },

    async remove(userId, id) {
      const removed = await retrying(async () => {
        const [doc, index] = await Promise.all([read<ConversationDoc>(docKey(userId, id)), read<IndexDoc>(indexKey(userId))]);
        if (!doc.value) return null;
        return {
          ops: indexUpdate(userId, index, id, null, [{ operation: 'delete', key: docKey(userId, id), etag: doc.etag }]),
          result: true,
        };
      });
      return removed === true;
    },

    async messages(userId, id, limit) {
      const doc = (await read<ConversationDoc>(docKey(userId, id))).value;
      return doc ? doc.messages.slice(-limit) : null;
    },

    async append(userId, id, messages) {
      const done = await retrying(async () => {
        const [doc, index] = await Promise.all([read<ConversationDoc>(docKey(userId, id)), read<IndexDoc>(indexKey(userId))]);
        if (!doc.value) return null;
        const conversation = { ...doc.value.conversation, updated_at: messages.at(-1)?.created_at ?? doc.value.conversation.updated_at };
        const next: ConversationDoc = { conversation, messages: [...doc.value.messages, ...messages].slice(-MESSAGES_KEPT) };
        return {
          ops: indexUpdate(userId, index, id, conversation, [
            { operation: 'upsert', key: docKey(userId, id), value: next, etag: doc.etag },
          ]),
          result: true,
        };
      });
      return done === true;
    },
  };
}
