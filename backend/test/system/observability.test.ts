/**
 * Observability on the real stack: Prometheus (started by the stack) scrapes every role,
 * sidecar and the Kafka lag exporter; with traffic flowing, every Grafana dashboard panel's
 * query returns data, and every recording and alerting rule evaluates without error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { API, connect, eventually, signUp, type User } from './client.js';

const PROMETHEUS = process.env.KAIROS_PROMETHEUS ?? 'http://127.0.0.1:9090';
const TRACES = process.env.KAIROS_TRACES ?? 'http://127.0.0.1:4318';

interface SpanRecord {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  service: string;
  /** otlp: the roles' own spans; zipkin: the Dapr sidecars' */
  source: 'otlp' | 'zipkin';
  trace_id: string;
  links?: { trace_id: string; span_id: string }[];
}

interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}
async function query(expr: string): Promise<PromResult[]> {
  const res = await fetch(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: PromResult[] | [number, string] };
  };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  const { resultType, result } = body.data!;
  // a scalar (e.g. a folded `vector(0)`-style constant) is one value
  return resultType === 'scalar' ? [{ metric: {}, value: result as [number, string] }] : (result as PromResult[]);
}
const hasNumber = (rs: PromResult[]) => rs.some((r) => Number.isFinite(Number(r.value[1])));

/** Steady traffic of every kind the dashboards show: CRUD, recurrence, reminders, WebSocket, errors. */
function driveTraffic(user: User) {
  let stop = false;
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      const due = new Date(Date.now() + 2_000).toISOString();
      const t = (await user.call('POST', '/api/v1/tasks', { title: `observed ${i}`, due_at: due, reminders: [{ minutes_before: 0 }] }))
        .json;
      const r = (await user.call('POST', '/api/v1/tasks', { title: `daily ${i}`, due_at: due, recurrence: { rule: 'FREQ=DAILY' } })).json;
      await user.call('PATCH', `/api/v1/tasks/${t.id}`, { priority: 'high' });
      await user.call('POST', `/api/v1/tasks/${r.id}/complete`);
      await user.call('GET', '/api/v1/tasks?status=pending&sort=due');
      await user.call('GET', '/api/v1/tasks/999999999'); // 404s are part of the RED picture
      await new Promise((res) => setTimeout(res, 1000));
    }
  })();
  return async () => {
    stop = true;
    await loop;
  };
}

describe('observability against a live Prometheus', () => {
  let stopTraffic: () => Promise<void>;
  let socket: ReturnType<typeof connect>;

  beforeAll(async () => {
    const user = await signUp('observed');
    socket = connect(user);
    await socket.opened;
    stopTraffic = driveTraffic(user);
  });
  afterAll(async () => {
    await stopTraffic?.();
    socket?.ws.close();
  });

  it('one task creation is one trace: api request → its one statement → publish → Kafka → sidecars → audit and recurrence handling; the batch send links to it', async () => {
    const user = await signUp('traced');
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(`${API}/api/v1/tasks`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ title: 'Followed through Kafka' }),
    });
    expect(res.status).toBe(201);
    const want = [
      ['kairos-api', 'server', 'POST /api/v1/tasks'],
      ['kairos-api', 'client', 'db.create_task'],
      ['kairos-api', 'producer', 'publish task-events'],
      ['kairos-api', 'producer', 'publish task-updates'],
      ['kairos-audit', 'consumer', 'audit process task-events'],
      ['kairos-recurrence', 'consumer', 'recurrence process task-events'],
      ['kairos-realtime', 'consumer', 'realtime process task-updates'],
      // the consumers' sidecars deliver from Kafka (Dapr's spans, exported by daprd itself)
      ['kairos-audit', 'client', 'pubsub/task-events', 'zipkin'],
      ['kairos-recurrence', 'client', 'pubsub/task-events', 'zipkin'],
      ['kairos-realtime', 'client', 'pubsub/task-updates', 'zipkin'],
    ];
    const spans = await eventually(
      async () => {
        const body = (await (await fetch(`${TRACES}/traces/${traceId}`)).json()) as { spans: SpanRecord[] };
        const has = (w: string[]) =>
          body.spans.some((s) => s.service === w[0] && s.kind === w[1] && s.name === w[2] && s.source === (w[3] ?? 'otlp'));
        return want.every(has) ? body.spans : null;
      },
      20_000,
      `spans of trace ${traceId}: ${want.map((w) => w.join(' ')).join(', ')}`,
    );
    // one tree: the request span → its statement and one publish span per topic; each
    // consumer's span and each sidecar's delivery span → the publish span of its topic;
    // the delivery request the sidecar makes (POST /events/<topic>) → that sidecar's span
    const request = spans.find((s) => s.kind === 'server' && s.name === 'POST /api/v1/tasks')!;
    for (const s of spans.filter((x) => x.service === 'kairos-api' && x.kind !== 'server'))
      expect(s.parent_span_id, s.name).toBe(request.span_id);
    const publishOf = new Map(spans.filter((s) => s.kind === 'producer').map((s) => [s.span_id, s.name]));
    for (const c of spans.filter((s) => s.kind === 'consumer'))
      expect(publishOf.get(c.parent_span_id!), c.name).toBe(`publish ${c.name.split(' ').at(-1)}`);
    const sidecarSpans = spans.filter((s) => s.source === 'zipkin');
    for (const d of sidecarSpans)
      expect(publishOf.get(d.parent_span_id!), `${d.service} ${d.name}`).toBe(`publish ${d.name.split('/')[1]}`);
    const deliveries = spans.filter((s) => s.kind === 'server' && s.name.startsWith('POST /events/'));
    expect(deliveries.length).toBeGreaterThanOrEqual(3);
    for (const r of deliveries)
      expect(sidecarSpans.find((d) => d.span_id === r.parent_span_id)?.service, `${r.service} ${r.name}`).toBe(r.service);

    // the relay sends a batch in one request: its send span (a trace of its own) links to each
    // event's publish span, and the api sidecar's span for that request is its child
    const publish = spans.find((s) => s.name === 'publish task-events')!;
    const send = await eventually(
      async () => {
        const body = (await (await fetch(`${TRACES}/links/${traceId}`)).json()) as { spans: SpanRecord[] };
        return body.spans.find((s) => s.name === 'send task-events' && s.links?.some((l) => l.span_id === publish.span_id)) ?? null;
      },
      10_000,
      `a 'send task-events' span linked to ${publish.span_id}`,
    );
    expect(send).toMatchObject({ service: 'kairos-api', kind: 'producer', parent_span_id: null });
    const sidecarSend = await eventually(
      async () => {
        const body = (await (await fetch(`${TRACES}/traces/${send.trace_id}`)).json()) as { spans: SpanRecord[] };
        return body.spans.find((s) => s.source === 'zipkin' && s.parent_span_id === send.span_id) ?? null;
      },
      10_000,
      `the api sidecar's span under ${send.span_id}`,
    );
    expect(sidecarSend).toMatchObject({ service: 'kairos-api', name: '/v1.0-alpha1/publish/bulk/kairos-pubsub/task-events' });
  });

  it('scrapes every role, every sidecar, the scheduler and the lag exporter', async () => {
    const deadline = Date.now() + 60_000;
    let down: string[] = [];
    do {
      const body = (await (await fetch(`${PROMETHEUS}/api/v1/targets`)).json()) as {
        data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] };
      };
      const targets = body.data.activeTargets;
      expect(targets.length).toBe(13); // 5 roles + 5 sidecars + scheduler + lag exporter + Prometheus
      down = targets.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl} (${t.health} ${t.lastError})`);
      if (down.length) await new Promise((r) => setTimeout(r, 2000));
    } while (down.length && Date.now() < deadline);
    expect(down).toEqual([]);
  });

  it('every dashboard panel query returns data', { timeout: 240_000 }, async () => {
    // @ts-expect-error — a plain ES module shared with the chart tooling
    const { dashboardQueries } = (await import('../../../deploy/observability/dashboard-queries.mjs')) as {
      dashboardQueries: () => { dashboard: string; panel: string; refId: string; expr: string }[];
    };
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(50);
    // rate() needs two scrapes inside its window, the cron binding fires once a minute:
    // give the data up to three minutes to appear, re-checking only what is still empty.
    let empty = queries;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const results = await Promise.all(empty.map(async (q) => ({ q, ok: hasNumber(await query(q.expr)) })));
      empty = results.filter((r) => !r.ok).map((r) => r.q);
      if (!empty.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
    expect(empty.map((q) => `${q.dashboard} / ${q.panel} [${q.refId}]: ${q.expr}`)).toEqual([]);
  });

  it('every recording and alerting rule evaluates without error; the SLO ratios have values', async () => {
    const body = (await (await fetch(`${PROMETHEUS}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.filter((r) => r.type === 'alerting').length).toBeGreaterThan(10);
    expect(rules.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    for (const slo of ['event_latency', 'event_latency_tight', 'reminder_lateness', 'api_availability']) {
      expect(hasNumber(await query(`kairos:${slo}_slo_errors:ratio_rate5m`)), slo).toBe(true);
    }
    // a healthy system with steady traffic pages nobody
    const firing = await query('ALERTS{alertstate="firing", severity="page"}');
    expect(firing.map((r) => r.metric.alertname)).toEqual([]);
  });
});
