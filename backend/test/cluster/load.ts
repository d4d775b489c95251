/**
 * Traffic for the operations tests: an open-loop mix of list / create / complete through
 * the api Service (requests are sent on schedule whether or not earlier ones answered, so
 * a stall shows as latency and failures, not as a slower client), and WebSocket clients
 * that reconnect with their last event id, as the web app does.
 */
import { connect, type Msg, type User } from '../system/client.js';
import type { Accepted } from '../system/delivery.js';

export interface LoadResult {
  sent: number;
  ok: number;
  /** Requests that got no answer or a 5xx (4xx are the client's mistakes and would be a test bug: counted too). */
  failures: string[];
  /** When each failure happened, in seconds since the load started (same order as `failures`). */
  failedAtS: number[];
  latenciesMs: number[];
  /** Every task the api accepted, with whether its completion was accepted. */
  accepted: Map<User, Accepted[]>;
  /** Tasks whose completion got no answer: it may or may not have happened. */
  uncertain: Set<number>;
}

export interface Load {
  stop(): Promise<LoadResult>;
  /** Requests answered so far (to wait for traffic to flow). */
  answered(): number;
}

/**
 * `rate` requests per second spread over `users` (each user's writes stay far under the
 * per-user write limit): 50 % list, 35 % create, 15 % complete of one of the user's open
 * tasks.
 */
export function startLoad(users: User[], rate: number, label: string): Load {
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    failures: [],
    failedAtS: [],
    latenciesMs: [],
    accepted: new Map(users.map((u) => [u, []])),
    uncertain: new Set(),
  };
  const open = new Map<User, Accepted[]>(users.map((u) => [u, []]));
  const inFlight = new Set<Promise<void>>();
  let answered = 0;
  let n = 0;

  const fail = (what: string) => {
    result.failures.push(what);
    result.failedAtS.push(Math.round(performance.now() - started) / 1000);
  };
  const one = async (user: User, k: number) => {
    const pick = k % 20;
    const t0 = performance.now();
    let what = '';
    let completing: Accepted | undefined;
    try {
      let status: number;
      if (pick < 10) {
        what = 'GET /api/v1/tasks';
        status = (await user.call('GET', '/api/v1/tasks?limit=20&status=pending')).status;
      } else if (pick < 17 || open.get(user)!.length === 0) {
        what = 'POST /api/v1/tasks';
        const res = await user.call('POST', '/api/v1/tasks', { title: `${label} ${k}` });
        status = res.status;
        if (status === 201) {
          const task: Accepted = { id: res.json.id, series_id: null, reminder: false, completed: false };
          result.accepted.get(user)!.push(task);
          open.get(user)!.push(task);
        }
      } else {
        const task = open.get(user)!.shift()!;
        completing = task;
        what = `POST /api/v1/tasks/${task.id}/complete`;
        status = (await user.call('POST', `/api/v1/tasks/${task.id}/complete`)).status;
        if (status === 200) task.completed = true;
      }
      if (status >= 200 && status < 300) result.ok++;
      else fail(`${what}: ${status}`);
    } catch (err) {
      fail(`${what}: ${(err as Error).cause ?? (err as Error).message}`);
      if (completing) result.uncertain.add(completing.id);
    }
    result.latenciesMs.push(performance.now() - t0);
    answered++;
  };

  const started = performance.now();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    // Catch up to the schedule (timers on a busy machine fire late; the rate must not drop).
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (n < due) {
      const k = n++;
      result.sent++;
      const p = one(users[k % users.length]!, k).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    timer = setTimeout(tick, 1000 / rate);
  };
  let timer = setTimeout(tick, 0);

  return {
    answered: () => answered,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(inFlight);
      return result;
    },
  };
}

/** One connection of a resuming client, for the report when an update is missing. */
interface ConnectionRecord {
  openedAtS: number;
  after: string | undefined;
  helloLastId?: string;
  /** The ids received on it, in order. */
  ids: string[];
  closedAtS?: number;
  closeCode?: number;
}

/** A WebSocket client that reconnects with its last event id whenever the server goes away. */
export function resumingClient(user: User) {
  const messages: Msg[] = [];
  const history: ConnectionRecord[] = [];
  const started = performance.now();
  const now = () => Math.round(performance.now() - started) / 1000;
  let lastId: string | undefined;
  let reconnects = 0;
  let closed = false;
  let current: ReturnType<typeof connect>;
  const open = () => {
    const record: ConnectionRecord = { openedAtS: now(), after: lastId, ids: [] };
    history.push(record);
    current = connect(user, lastId);
    current.opened.catch(() => undefined);
    current.ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as Msg & { last_id?: string };
      if (m.type === 'hello') record.helloLastId = m.last_id;
      if (m.type === 'hello' || m.type === 'ping') return;
      messages.push(m);
      if (m.id) {
        lastId = m.id;
        record.ids.push(m.id);
      }
    });
    current.ws.on('error', () => undefined);
    current.ws.on('close', (code) => {
      record.closedAtS = now();
      record.closeCode = code;
      // bounded: a rollout replaces the realtime pod a few times at most
      if (closed || reconnects >= 200) return;
      reconnects++;
      setTimeout(open, 250);
    });
  };
  open();
  return {
    messages,
    opened: () => current.opened,
    reconnects: () => reconnects,
    /** Each connection: when (s after the client started), resumed after which id, what it received. */
    timeline: () =>
      history
        .map((c) => {
          const ids = c.ids.length ? `${c.ids.length} ids ${c.ids[0]}…${c.ids.at(-1)}` : 'no ids';
          const end = c.closedAtS === undefined ? 'open' : `closed ${c.closedAtS} s (${c.closeCode})`;
          return `opened ${c.openedAtS} s after=${c.after ?? '-'} hello=${c.helloLastId ?? '-'}: ${ids}, ${end}`;
        })
        .join('\n'),
    close() {
      closed = true;
      current.ws.close();
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
