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
//
// Plain node:http and node-postgres with the pool size Kairos uses: no auth, no
// validation, no routing. Prints "listening" when it is ready.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';

const [mode, port, arg] = process.argv.slice(2);
const headers = { 'content-type': 'application/json; charset=utf-8' };
let handler;
if (mode === 'fixed') {
  const page = readFileSync(arg);
  handler = (_req, res) => {
    res.writeHead(200, { ...headers, 'content-length': page.length });
    res.end(page);
  };
} else if (mode === 'query') {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, application_name: 'kairos' });
  const query = {
    name: 'limit_list',
    text: `select api_json from tasks where user_id = $1 and completed = false and priority = any($2::smallint[])
           order by due_at asc nulls last, id asc limit 51`,
    values: [arg, [3, 2]],
    rowMode: 'array',
  };
  handler = (_req, res) => {
    pool.query(query).then(
      (r) => {
        const body = `[${r.rows
          .slice(0, 50)
          .map((row) => row[0])
          .join(',')}]`;
        res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (err) => {
        res.writeHead(500).end(String(err));
      },
    );
  };
} else {
  console.error('usage: limit-server.mjs fixed <port> <file> | query <port> <user id>');
  process.exit(2);
}
const server = createServer(handler);
server.keepAliveTimeout = 72_000;
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
