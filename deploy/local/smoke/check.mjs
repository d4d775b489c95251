// Checks the Dapr building blocks Kairos relies on, against a running daprd
// and the stand-in app (smoke/app.mjs). Called by deploy/local/smoke.sh.
// Environment: DAPR_HTTP_PORT, APP_PORT. Node 20, no dependencies.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

const dapr = `http://127.0.0.1:${process.env.DAPR_HTTP_PORT}`;
const app = `http://127.0.0.1:${process.env.APP_PORT}`;
const run = randomBytes(4).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = [];

class CheckError extends Error {}
function expect(cond, message) {
  if (!cond) throw new CheckError(message);
}

async function call(method, path, body, headers = {}) {
  const res = await fetch(`${dapr}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function received() {
  const res = await fetch(`${app}/_smoke/received`, { signal: AbortSignal.timeout(5_000) });
  return res.json();
}

// poll FN until it returns a truthy value or TIMEOUT ms pass
async function waitFor(what, timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new CheckError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)${detail ? `: ${detail}` : ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err instanceof CheckError ? err.message : err.stack}`);
  }
}

// (d) secrets
await check('secrets: GET /v1.0/secrets/kairos-secrets/kairos', async () => {
  const r = await call('GET', '/v1.0/secrets/kairos-secrets/kairos');
  expect(r.status === 200, `status ${r.status}: ${r.text}`);
  for (const key of ['database-url', 'kafka-brokers', 'smtp-host', 'smtp-port', 'auth-secret']) {
    expect((typeof r.json?.[key] === 'string' && r.json[key] !== '') || key === 'smtp-user', `key ${key} missing`);
  }
  return `keys ${Object.keys(r.json).join(', ')}`;
});

// (c) state with TTL
await check('state: save/get with ttlInSeconds on kairos-state', async () => {
  const key = `smoke-${run}`;
  const value = { handled: true, run };
  let r = await call('POST', '/v1.0/state/kairos-state', [
    { key, value, metadata: { ttlInSeconds: '2' } },
    { key: `${key}-keep`, value },
  ]);
  expect(r.status === 204, `save: status ${r.status}: ${r.text}`);
  r = await call('GET', `/v1.0/state/kairos-state/${key}`);
  expect(r.status === 200 && isDeepStrictEqual(r.json, value), `get: status ${r.status}: ${r.text}`);
  const expires = r.headers.get('metadata.ttlexpiretime');
  expect(expires, 'no metadata.ttlExpireTime header on a key saved with a TTL');
  await sleep(3_000);
  r = await call('GET', `/v1.0/state/kairos-state/${key}`);
  expect(r.status === 204 && r.text === '', `after the TTL: status ${r.status}: ${r.text}`);
  r = await call('GET', `/v1.0/state/kairos-state/${key}-keep`);
  expect(r.status === 200 && isDeepStrictEqual(r.json, value), `key without TTL: status ${r.status}`);
  await call('DELETE', `/v1.0/state/kairos-state/${key}-keep`);
  return `expired after 2 s (ttlExpireTime ${expires})`;
});

// (a) publish -> subscription route, CloudEvent with traceparent
await check('pubsub: publish to task-events is delivered to the subscription route (bulk: /events/task-events/bulk)', async () => {
  const traceId = randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  const data = { schema_version: 1, event_type: 'created', task_id: 1, marker: `ok-${run}` };
  const t0 = Date.now();
  const r = await call('POST', '/v1.0/publish/kairos-pubsub/task-events', data, { traceparent });
  expect(r.status === 204, `publish: status ${r.status}: ${r.text}`);
  const got = await waitFor('the event at /events/task-events', 30_000, async () =>
    (await received()).events.find((e) => e.body?.data?.marker === data.marker),
  );
  const ce = got.body;
  expect(ce.specversion === '1.0', `specversion ${ce.specversion}`);
  expect(typeof ce.id === 'string' && ce.id.length > 0, 'no CloudEvent id');
  expect(ce.source === 'kairos-recurrence', `source ${ce.source}`);
  expect(ce.topic === 'task-events' && ce.pubsubname === 'kairos-pubsub', `topic ${ce.topic} pubsub ${ce.pubsubname}`);
  expect(isDeepStrictEqual(ce.data, data), `data ${JSON.stringify(ce.data)}`);
  expect(typeof ce.traceparent === 'string', 'no traceparent in the CloudEvent');
  expect(ce.traceparent.split('-')[1] === traceId, `trace id not propagated: sent ${traceparent}, got ${ce.traceparent}`);
  expect(got.headers.traceparent?.split('-')[1] === traceId, `traceparent header ${got.headers.traceparent}`);
  return `${got.at - t0} ms publish->delivery, type ${ce.type}, content-type ${got.headers['content-type']}, traceparent ${ce.traceparent}`;
});

// (b) non-retriable rejection -> dead-letter topic
await check('pubsub: an event the app drops (DROP in a bulk delivery, 404 on a single one) lands on task-events.dlq', async () => {
  const data = { schema_version: 1, event_type: 'created', reject: true, marker: `dlq-${run}` };
  const r = await call('POST', '/v1.0/publish/kairos-pubsub/task-events', data);
  expect(r.status === 204, `publish: status ${r.status}: ${r.text}`);
  const dl = await waitFor('the event at /events/task-events-dlq', 30_000, async () =>
    (await received()).deadLetters.find((e) => e.body?.data?.marker === data.marker),
  );
  const attempts = (await received()).events.filter((e) => e.body?.data?.marker === data.marker).length;
  expect(attempts === 1, `the app saw the rejected event ${attempts} times (a drop must not be retried)`);
  return `dead letter topic=${dl.body.topic}, original id ${dl.body.id}`;
});

// (e) Jobs API: one-shot job with dueTime + data; a deleted job never fires.
// Dapr 1.18 added the stable /v1.0/jobs; 1.17 serves /v1.0-alpha1/jobs only.
let jobsApi = '/v1.0/jobs';
await check('jobs: POST <jobs api>/<name> fires POST /job/<name> no earlier than dueTime', async () => {
  const probe = await call('GET', `${jobsApi}/smoke-probe-${run}`);
  if (probe.status === 404 && /ERR_DIRECT_INVOKE/.test(probe.text)) jobsApi = '/v1.0-alpha1/jobs';
  console.log(
    `     jobs API: ${jobsApi} (GET of an unknown job on it -> ${probe.status === 404 && jobsApi === '/v1.0/jobs' ? probe.status : (await call('GET', `${jobsApi}/smoke-probe-${run}`)).status})`,
  );
  const name = `smoke-${run}`;
  const dueAt = Date.now() + 3_000;
  const dueTime = new Date(dueAt).toISOString();
  const data = { task_id: 42, kind: 'reminder', remind_at: dueTime };
  let r = await call('POST', `${jobsApi}/${name}`, { dueTime, data });
  expect(r.status === 204, `schedule: status ${r.status}: ${r.text}`);
  r = await call('GET', `${jobsApi}/${name}`);
  expect(r.status === 200, `get: status ${r.status}: ${r.text}`);
  console.log(`     GET ${jobsApi}/${name} -> ${r.status} ${r.text}`);

  const gone = `smoke-deleted-${run}`;
  r = await call('POST', `${jobsApi}/${gone}`, { dueTime: '4s', data: { never: true } });
  expect(r.status === 204, `schedule (to delete): status ${r.status}: ${r.text}`);
  r = await call('DELETE', `${jobsApi}/${gone}`);
  expect(r.status === 204, `delete: status ${r.status}: ${r.text}`);
  const deletedAt = Date.now();
  r = await call('GET', `${jobsApi}/${gone}`);
  console.log(`     GET of a deleted job -> ${r.status} ${r.text}`);

  const job = await waitFor(`the callback POST /job/${name}`, 20_000, async () => (await received()).jobs.find((j) => j.name === name));
  expect(job.at >= dueAt, `fired ${dueAt - job.at} ms before its dueTime`);
  expect(isDeepStrictEqual(job.body, data), `callback body ${JSON.stringify(job.body)}, expected ${JSON.stringify(data)}`);
  console.log(`     callback headers ${JSON.stringify(job.headers)} body ${JSON.stringify(job.body)}`);

  // the deleted job was due 4 s after it was scheduled: wait 4 s past that
  await sleep(Math.max(0, deletedAt + 8_000 - Date.now()));
  const all = (await received()).jobs;
  expect(!all.some((j) => j.name === gone), 'the deleted job fired');
  const fired = all.filter((j) => j.name === name).length;
  expect(fired === 1, `the job fired ${fired} times`);
  r = await call('GET', `${jobsApi}/${name}`);
  console.log(`     GET of a fired one-shot job -> ${r.status} ${r.text}`);
  return `fired ${job.at - dueAt} ms after dueTime; deleted job never fired`;
});

// (f) rescheduling: same name again needs overwrite:true; the job then fires at the new time
await check('jobs: overwrite:true moves a job; without it a second schedule is refused', async () => {
  const name = `smoke-move-${run}`;
  let r = await call('POST', `${jobsApi}/${name}`, { dueTime: '60s', data: { v: 1 } });
  expect(r.status === 204, `schedule: status ${r.status}: ${r.text}`);
  r = await call('POST', `${jobsApi}/${name}`, { dueTime: '1s', data: { v: 2 } });
  console.log(`     same name without overwrite -> ${r.status} ${r.text}`);
  expect(r.status >= 400, 'a second schedule without overwrite was accepted');
  const dueAt = Date.now() + 2_000;
  r = await call('POST', `${jobsApi}/${name}`, { dueTime: new Date(dueAt).toISOString(), data: { v: 3 }, overwrite: true });
  expect(r.status === 204, `overwrite: status ${r.status}: ${r.text}`);
  const job = await waitFor(`the moved job ${name}`, 15_000, async () => (await received()).jobs.find((j) => j.name === name));
  expect(job.at >= dueAt, `fired ${dueAt - job.at} ms early`);
  expect(isDeepStrictEqual(job.body, { v: 3 }), `body ${JSON.stringify(job.body)}`);
  r = await call('DELETE', `${jobsApi}/never-scheduled-${run}`);
  console.log(`     DELETE of a job that does not exist -> ${r.status} ${r.text}`);
  return `fired ${job.at - dueAt} ms after the new dueTime with the new data`;
});

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
