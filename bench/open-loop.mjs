// Open-loop load at a fixed rate: request i is due at start + i / rate, whatever the
// responses do, spread evenly through each second, and its latency counts from when it
// was due — so time spent waiting for a free connection is part of it, as it would be
// for a real client arriving then.
//
// Why not autocannon's `overallRate`: it lets each connection send its share of a
// second's requests back to back when the second starts, then pause — 1,000 req/s over
// 16 connections is a burst at full speed for the first quarter of every second, and its
// latencies are those of a saturated server. (It also corrects for coordinated omission
// with an expected interval of 1 ms whatever the rate.)
//
// The client is a minimal HTTP/1.1 one over keep-alive sockets that read into one reused
// buffer each (`onread`): node:http's client allocates a Buffer per read, and at 1,000
// pages of 19 kB a second that external memory made the load generator run a full
// garbage collection every ~230 ms, each a 10–17 ms stall that showed up as the server's
// p99. Responses must carry Content-Length (every Kairos and limit-server response does).
//
// Returns the fields of autocannon's result that bench/api.mjs reads.
import net from 'node:net';
import { quantiles } from './lib.mjs';

const HEADER_END = '\r\n\r\n';

/** One keep-alive connection, one request at a time. */
class Connection {
  constructor(host, port, onDone) {
    this.onDone = onDone;
    this.busy = null; // { dueAt } while a request is in flight
    this.head = '';
    this.remaining = -1; // body bytes still to come; -1 while reading the head
    this.status = 0;
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: Buffer.allocUnsafe(64 * 1024), callback: (n, buf) => this.read(n, buf) },
    });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  send(request, dueAt) {
    this.busy = { dueAt };
    this.socket.write(request);
  }

  read(n, buf) {
    let off = 0;
    while (off < n && this.busy) {
      if (this.remaining < 0) {
        const before = this.head.length;
        this.head += buf.latin1Slice(off, n);
        const end = this.head.indexOf(HEADER_END);
        if (end < 0) return;
        off += end + HEADER_END.length - before;
        const head = this.head.slice(0, end);
        this.head = '';
        this.status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) return this.fail(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
        this.remaining = Number(length[1]);
      }
      const take = Math.min(this.remaining, n - off);
      this.remaining -= take;
      off += take;
      if (this.remaining === 0) {
        const { dueAt } = this.busy;
        this.busy = null;
        this.remaining = -1;
        this.onDone(this, this.status, dueAt);
      }
    }
  }

  fail(err) {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const busy = this.busy;
    this.busy = null;
    // an idle connection closing loses no request (the others carry on)
    if (busy) this.onDone(this, undefined, busy.dueAt, err);
  }
}

/**
 * @param {{ url: string, rate: number, duration: number, connections: number,
 *   requests: Array<{ method?: string, path?: string, headers?: object, body?: string,
 *     setupRequest?: (req: object) => object }> }} opts
 */
export async function openLoop({ url, rate, duration, connections, requests }) {
  if (!(rate > 0) || !(duration > 0)) throw new Error(`openLoop: rate and duration must be positive (got ${rate}, ${duration})`);
  const target = new URL(url);
  const host = target.hostname;
  const port = Number(target.port);
  const total = Math.round(rate * duration);
  const latencies = [];
  const statusCodeStats = {};
  const queue = []; // [bytes, dueAt] waiting for a free connection
  const idle = [];
  let errors = 0;
  let non2xx = 0;
  let answered = 0;
  let firstError;

  const onDone = (conn, status, dueAt, err) => {
    if (err) {
      errors++;
      firstError ??= err;
    }
    if (status !== undefined) {
      answered++;
      statusCodeStats[status] = { count: (statusCodeStats[status]?.count ?? 0) + 1 };
      if (status >= 200 && status < 300) latencies.push(performance.now() - dueAt);
      else non2xx++;
    } else answered++; // failed in flight: counted as an error, not a latency
    if (conn.closed) return;
    const next = queue.shift();
    if (next) conn.send(next[0], next[1]);
    else idle.push(conn);
  };

  const pool = Array.from({ length: connections }, () => new Connection(host, port, onDone));
  await Promise.all(pool.map((c) => c.ready));
  idle.push(...pool);

  const encode = (i) => {
    const base = requests[i % requests.length];
    const req = base.setupRequest ? base.setupRequest({ ...base }) : base;
    const body = req.body ?? '';
    let text = `${req.method ?? 'GET'} ${req.path ?? '/'} HTTP/1.1\r\nhost: ${target.host}\r\n`;
    for (const [k, v] of Object.entries(req.headers ?? {})) text += `${k}: ${v}\r\n`;
    if (body || (req.method && req.method !== 'GET')) text += `content-length: ${Buffer.byteLength(body)}\r\n`;
    return `${text}\r\n${body}`;
  };

  const start = performance.now();
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      // every request that is due by now, each with its own due time
      while (next < total && start + (next * 1000) / rate <= now) {
        const dueAt = start + (next * 1000) / rate;
        const bytes = encode(next++);
        let conn = idle.pop();
        while (conn?.closed) conn = idle.pop();
        if (conn) conn.send(bytes, dueAt);
        else queue.push([bytes, dueAt]);
      }
      if (next < total) setTimeout(tick, Math.max(0, start + (next * 1000) / rate - performance.now()));
      else resolve();
    };
    tick();
  });
  // the last responses, for at most 30 s
  const deadline = performance.now() + 30_000;
  while (answered < total && pool.some((c) => !c.closed) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - start) / 1000;
  for (const c of pool) {
    c.closed = true;
    c.socket.destroy();
  }

  const q = quantiles(latencies);
  const ms = (v) => (Number.isFinite(v) ? Number(v.toFixed(2)) : 0);
  return {
    requests: { average: answered / seconds, total: answered },
    latency: { p50: ms(q.p50), p90: ms(q.p90), p99: ms(q.p99), max: ms(q.max) },
    errors,
    timeouts: total - answered,
    non2xx,
    statusCodeStats,
    ...(firstError ? { first_error: String(firstError.message ?? firstError) } : {}),
  };
}
