/** The assistant's stores in the database: conversations (embedded mode) and personal access tokens. */
import { sqlRunner, type Db } from './db.js';
import type {
  ChatMessage,
  Conversation,
  ConversationStore,
  PersonalAccessToken,
  PersonalAccessTokenStore,
} from '../../ports/conversations.js';

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

interface ConversationRow {
  id: string;
  title: string;
  created_at: Date | string;
  updated_at: Date | string;
}
const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  title: r.title,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

export function createPostgresConversationStore(db: Db): ConversationStore {
  const sql = sqlRunner(db);
  const owned = async (userId: string, id: string) =>
    (await sql.query<{ one: number }>('select 1 as one from conversations where id = $1 and user_id = $2', [id, userId])).length > 0;
  return {
    async create(userId, c) {
      const rows = await sql.query<ConversationRow>(
        'insert into conversations (id, user_id, title, created_at, updated_at) values ($1, $2, $3, $4, $4) returning id, title, created_at, updated_at',
        [c.id, userId, c.title, c.at],
      );
      return toConversation(rows[0]!);
    },
    async get(userId, id) {
      const rows = await sql.query<ConversationRow>(
        'select id, title, created_at, updated_at from conversations where id = $1 and user_id = $2',
        [id, userId],
      );
      return rows[0] ? toConversation(rows[0]) : null;
    },
    async list(userId, limit) {
      const rows = await sql.query<ConversationRow>(
        'select id, title, created_at, updated_at from conversations where user_id = $1 order by updated_at desc, id limit $2',
        [userId, limit],
      );
      return rows.map(toConversation);
    },
    async rename(userId, id, title) {
      const rows = await sql.query<ConversationRow>(
        'update conversations set title = $3 where id = $1 and user_id = $2 returning id, title, created_at, updated_at',
        [id, userId, title],
      );
      return rows[0] ? toConversation(rows[0]) : null;
    },
    async remove(userId, id) {
      return (await sql.query('delete from conversations where id = $1 and user_id = $2 returning id', [id, userId])).length > 0;
    },
    async messages(userId, id, limit) {
      if (!(await owned(userId, id))) return null;
      const rows = await sql.query<{
        role: ChatMessage['role'];
        content: string;
        tool_calls: ChatMessage['tool_calls'];
        created_at: Date | string;
      }>(
        `select role, content, tool_calls, created_at from (
           select id, role, content, tool_calls, created_at from conversation_messages
           where conversation_id = $1 order by id desc limit $2) m
         order by id`,
        [id, limit],
      );
      return rows.map((r) => ({ role: r.role, content: r.content, tool_calls: r.tool_calls ?? [], created_at: iso(r.created_at)! }));
    },
    async append(userId, id, messages) {
      const last = messages.at(-1)?.created_at ?? new Date().toISOString();
      const touched = await sql.query('update conversations set updated_at = $3 where id = $1 and user_id = $2 returning id', [
        id,
        userId,
        last,
      ]);
      if (touched.length === 0) return false;
      for (const m of messages) {
        await sql.query(
          'insert into conversation_messages (conversation_id, role, content, tool_calls, created_at) values ($1, $2, $3, $4::jsonb, $5)',
          [id, m.role, m.content, JSON.stringify(m.tool_calls), m.created_at],
        );
      }
      return true;
    },
  };
}

interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}
const toToken = (r: TokenRow): PersonalAccessToken => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  created_at: iso(r.created_at)!,
  last_used_at: iso(r.last_used_at),
});

/** Marks a token used at most once a minute, so using it costs a read, not a write. */
const TOUCH_INTERVAL = "interval '1 minute'";

export function createPersonalAccessTokenStore(db: Db): PersonalAccessTokenStore {
  const sql = sqlRunner(db);
  return {
    async create(userId, t) {
      const rows = await sql.query<TokenRow>(
        'insert into personal_access_tokens (user_id, name, token_hash, prefix) values ($1, $2, $3, $4) returning id, name, prefix, created_at, last_used_at',
        [userId, t.name, t.tokenHash, t.prefix],
      );
      return toToken(rows[0]!);
    },
    async list(userId) {
      const rows = await sql.query<TokenRow>(
        'select id, name, prefix, created_at, last_used_at from personal_access_tokens where user_id = $1 and revoked_at is null order by id',
        [userId],
      );
      return rows.map(toToken);
    },
    async revoke(userId, id) {
      const rows = await sql.query(
        'update personal_access_tokens set revoked_at = now() where id = $1 and user_id = $2 and revoked_at is null returning id',
        [id, userId],
      );
      return rows.length > 0;
    },
    async owner(tokenHash) {
      const rows = await sql.query<{ user_id: string; stale: boolean }>(
        `select user_id, (last_used_at is null or last_used_at < now() - ${TOUCH_INTERVAL}) as stale
         from personal_access_tokens where token_hash = $1 and revoked_at is null`,
        [tokenHash],
      );
      const row = rows[0];
      if (!row) return null;
      if (row.stale) await sql.query('update personal_access_tokens set last_used_at = now() where token_hash = $1', [tokenHash]);
      return row.user_id;
    },
  };
}
