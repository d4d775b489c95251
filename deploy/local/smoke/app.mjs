// Stand-in app for deploy/local/smoke.sh: plain node:http, no dependencies.
// It plays a Kairos consumer behind its daprd and records what Dapr sends it:
//   GET  /healthz                       200
//   GET  /dapr/subscribe                programmatic subscription to task-events.dlq
//   POST /events/task-events/bulk       the declarative subscription's bulk delivery (entries,
//                                       a status each: data.reject === true -> DROP);
//   POST /events/task-events            CloudEvent from a subscription without bulk delivery:
//                                       data.reject === true -> 404 (non-retriable)
//   POST /events/task-events-dlq        dead letters
//   POST /job/<name>                    Dapr Jobs callback
//   GET  /_smoke/received               everything recorded so far
import http from 'node:http';

const port = Number(process.env.PORT ?? 4090);
const received = { events: [], deadLetters: [], jobs: [] };

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const body = req.method === 'POST' ? parse(await readBody(req)) : undefined;
  const at = Date.now();
  const headers = {
    traceparent: req.headers.traceparent ?? null,
    tracestate: req.headers.tracestate ?? null,
    'content-type': req.headers['content-type'] ?? null,
  };

  if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, { ok: true });
  if (req.method === 'GET' && url.pathname === '/dapr/subscribe') {
    return send(res, 200, [
      {
        pubsubname: 'kairos-pubsub',
        topic: 'task-events.dlq',
        routes: { default: '/events/task-events-dlq' },
      },
    ]);
  }
  if (req.method === 'POST' && url.pathname === '/events/task-events') {
    received.events.push({ at, headers, body });
    if (body?.data?.reject === true) return send(res, 404, { error: 'rejected by smoke app' });
    return send(res, 200, { status: 'SUCCESS' });
  }
  // the repo's task-events subscription delivers in bulk: each entry is one CloudEvent, and
  // its status plays the part of the single route's answer (DROP = dead-letter at once)
  if (req.method === 'POST' && url.pathname === '/events/task-events/bulk') {
    const statuses = (body?.entries ?? []).map((entry) => {
      received.events.push({ at, headers, body: entry.event });
      return { entryId: entry.entryId, status: entry.event?.data?.reject === true ? 'DROP' : 'SUCCESS' };
    });
    return send(res, 200, { statuses });
  }
  if (req.method === 'POST' && url.pathname === '/events/task-events-dlq') {
    received.deadLetters.push({ at, headers, body });
    return send(res, 200, { status: 'SUCCESS' });
  }
  if (req.method === 'POST' && url.pathname.startsWith('/job/')) {
    received.jobs.push({ at, name: decodeURIComponent(url.pathname.slice(5)), headers, body });
    return send(res, 200, {});
  }
  if (req.method === 'GET' && url.pathname === '/_smoke/received') return send(res, 200, received);
  return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
});

server.listen(port, '127.0.0.1', () => console.log(`smoke app listening on 127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
