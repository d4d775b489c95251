#!/usr/bin/env node
// The machine's own limits for the API benchmark: the least a server can do for a
// request, so Kairos's figures can be read as a fraction of what the hardware allows
// (absolute req/s drift with the machine and whatever else runs on it; the ratio much less).
//
//   node bench/limit-server.mjs fixed <port> <file>   answers every request with the
//       file's bytes as application/json (the same page Kairos's list returns)
//   node bench/limit-server.mjs query <port> <user>   runs ONE named prepared statement per
//       request on DATABASE_URL — the list's own query shape (same filter, order and limit)
//       selecting the stored task JSON — and joins the rows into the page as text
//   node bench/limit-server.mjs fastify <port> <user> the same query behind one Fastify
//       route (no hooks, no validation, no logger): what the framework alone adds
//
// Plain node:http (or bare Fastify) and node-postgres with the pool size Kairos uses: no
// auth, no validation, no routing. Prints "listening" when it is ready.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';

const [mode, port, arg] = process.argv.slice(2);
const CONTENT_TYPE = 'application/json; charset=utf-8';

/** The page for one request: fixed bytes, or the list's one query. */
let page;
if (mode === 'fixed') {
  const bytes = readFileSync(arg);
  page = async () => bytes;
} else if (mode === 'query' || mode === 'fastify') {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, application_name: 'kairos' });
  const query = {
    name: 'limit_list',
    text: `select api_json from tasks where user_id = $1 and completed = false and priority = any($2::smallint[])
           order by due_at asc nulls last, id asc limit 51`,
    values: [arg, [3, 2]],
    rowMode: 'array',
  };
  page = async () => {
    const r = await pool.query(query);
    return `[${r.rows
      .slice(0, 50)
      .map((row) => row[0])
      .join(',')}]`;
  };
} else {
  console.error('usage: limit-server.mjs fixed <port> <file> | query|fastify <port> <user id>');
  process.exit(2);
}

if (mode === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
  app.get('/*', async (_req, reply) => reply.type(CONTENT_TYPE).send(await page()));
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  console.log('listening');
} else {
  const server = createServer((_req, res) => {
    page().then(
      (body) => {
        res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (err) => res.writeHead(500).end(String(err)),
    );
  });
  server.keepAliveTimeout = 72_000;
  server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
}
process.on('SIGTERM', () => process.exit(0));
