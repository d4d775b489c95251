/**
 * Kairos on a real Kubernetes cluster: the release `helm install` made, its Dapr
 * sidecars (injected by Dapr's injector, certificates from sentry), the managed Kafka
 * (SASL/SCRAM over TLS) and PostgreSQL, and the product working end to end through
 * the cluster's Services.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { connect, eventually, request, signUp } from '../system/client.js';
import { NAMESPACE, clusterScript, getJson, inPod, kubectl, podsOf, readyPodsOf } from './kube.js';

const COMPONENTS = ['api', 'notifier', 'recurrence', 'audit', 'realtime', 'web'] as const;
const BACKEND = COMPONENTS.filter((c) => c !== 'web');
const PORTS: Record<string, number> = { api: 4000, notifier: 4001, recurrence: 4002, audit: 4003, realtime: 4004, web: 3000 };

describe('the namespace the cluster lives in', () => {
  it('has no default route and no route out', () => {
    expect(execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' }).trim()).toBe('');
    expect(execFileSync('ip', ['-6', 'route', 'show', 'default'], { encoding: 'utf8' }).trim()).toBe('');
    // A documentation address (never routed anywhere): the kernel has no route for it.
    let answer = '';
    try {
      answer = execFileSync('ip', ['route', 'get', '192.0.2.1'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      answer = String((e as { stderr?: string }).stderr);
    }
    expect(answer).toMatch(/unreachable/i);
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(': ')[1]!.split('@')[0]!);
    expect(links.filter((l) => !['lo', 'kairos0', 'kairos0p', 'cni0'].includes(l) && !l.startsWith('veth'))).toEqual([]);
  });
});

describe('the release', () => {
  it('every workload has a Ready pod, each backend pod with an injected daprd', async () => {
    for (const c of COMPONENTS) {
      expect((await readyPodsOf(c)).length, `${c}: Ready pods`).toBeGreaterThanOrEqual(1);
      for (const p of await podsOf(c)) {
        const names = p.spec.containers.map((x: { name: string }) => x.name);
        if (c === 'web') expect(names).not.toContain('daprd');
        else expect(names, p.metadata.name).toContain('daprd');
      }
    }
    for (const d of (await getJson('-n', 'dapr-system', 'deployments,statefulsets')).items) {
      expect(d.status.readyReplicas, `dapr-system ${d.metadata.name}`).toBe(d.spec.replicas);
    }
  });

  it("sidecars use mTLS with certificates from Dapr's sentry", async () => {
    const config = await getJson('-n', 'dapr-system', 'configurations.dapr.io', 'daprsystem');
    expect(config.spec.mtls.enabled).toBe(true);
    for (const c of BACKEND) {
      const pod = (await readyPodsOf(c))[0];
      const daprd = pod.spec.containers.find((x: { name: string }) => x.name === 'daprd');
      expect(daprd.image).toMatch(/\/dapr\/daprd:\d+\.\d+\.\d+$/);
      const env = Object.fromEntries(daprd.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env.DAPR_TRUST_ANCHORS ?? '').toContain('BEGIN CERTIFICATE');
      expect(daprd.args, `${c} daprd`).toContain('--enable-mtls');
      expect(daprd.args).toContain('dapr-sentry.dapr-system.svc.cluster.local:443');
      // its workload certificate came from sentry
      const logs = await kubectl('logs', '-n', NAMESPACE, pod.metadata.name, '-c', 'daprd');
      expect(logs, `${c} daprd`).toMatch(/Security is initialized successfully/);
      expect(logs).toMatch(/workload identity expiry watcher; cert expires on/);
      expect(logs).not.toMatch(/"level":"fatal"/);
    }
    // sentry signed a certificate for every sidecar
    const sentry = (await getJson('-n', 'dapr-system', 'pods', '-l', 'app=dapr-sentry')).items[0];
    const metrics = await (await request(`http://${sentry.status.podIP}:9090/metrics`)).text();
    const signed = Number(metrics.match(/^dapr_sentry_cert_sign_success_total(?:\{[^}]*\})? (\d+)/m)?.[1] ?? 0);
    expect(signed).toBeGreaterThanOrEqual(BACKEND.length);
  });

  it("secrets come from Kubernetes Secrets through Dapr's Kubernetes secret store", async () => {
    const api = (await readyPodsOf('api'))[0].metadata.name;
    const out = await inPod(
      api,
      'api',
      `const r = await fetch('http://127.0.0.1:3500/v1.0/secrets/kairos-secrets/kairos');
       const body = await r.json(); console.log(JSON.stringify({ status: r.status, keys: Object.keys(body).sort() }));`,
    );
    const { status, keys } = JSON.parse(out.trim()) as { status: number; keys: string[] };
    expect(status).toBe(200);
    expect(keys).toEqual(expect.arrayContaining(['better-auth-secret', 'database-url', 'kafka-password']));
  });

  // The web pod runs Next's standalone server, which serves pages only (no /metrics).
  it('/metrics of every Ready backend pod and its sidecar answer', async () => {
    for (const c of BACKEND) {
      for (const p of await readyPodsOf(c)) {
        const ip = p.status.podIP;
        const app = await request(`http://${ip}:${PORTS[c]}/metrics`);
        expect(app.status, `${c} /metrics`).toBe(200);
        expect(await app.text()).toMatch(/^# (HELP|TYPE) /m);
        const sidecar = await request(`http://${ip}:9090/metrics`);
        expect(sidecar.status, `${c} daprd metrics`).toBe(200);
        expect(await sidecar.text()).toMatch(/dapr_runtime_/);
      }
    }
  });

  it('the web app serves its first page through its Service', async () => {
    const web = await getJson('-n', NAMESPACE, 'service', 'kairos-web');
    const res = await request(`http://${web.spec.clusterIP}:3000/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });
});

describe('the product, end to end inside the cluster', () => {
  it('sign up → quick-add → list', async () => {
    const u = await signUp('cluster');
    const created = await u.call('POST', '/api/v1/tasks', { text: 'Water the plants tomorrow 9am #home !high', time_zone: 'UTC' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ title: 'Water the plants', priority: 'high', tags: ['home'] });
    const list = await u.call('GET', '/api/v1/tasks?status=pending');
    expect(list.json.items.map((t: { id: number }) => t.id)).toContain(created.json.id);
  });

  it('an audit entry arrives through Kafka', async () => {
    const u = await signUp('audit');
    const task = (await u.call('POST', '/api/v1/tasks', { title: 'Audited in the cluster' })).json;
    const history = await eventually(
      async () => {
        const h = (await u.call('GET', `/api/v1/tasks/${task.id}/history`)).json;
        return h.items.length ? h.items : null;
      },
      15_000,
      'audit entry',
    );
    expect(history[0]).toMatchObject({ event_type: 'created', task_data: { id: task.id } });
  });

  it('completing a recurring task creates exactly one next occurrence (service invocation between pods)', async () => {
    const u = await signUp('recur');
    const due = new Date(Date.now() + 2 * 86_400_000);
    due.setUTCHours(9, 0, 0, 0);
    const task = (
      await u.call('POST', '/api/v1/tasks', {
        title: 'Daily in the cluster',
        due_at: due.toISOString(),
        time_zone: 'UTC',
        recurrence: { rule: 'FREQ=DAILY', mode: 'due' },
      })
    ).json;
    expect((await u.call('POST', `/api/v1/tasks/${task.id}/complete`)).status).toBe(200);
    const next = await eventually(
      async () => {
        const items = (await u.call('GET', '/api/v1/tasks?status=pending')).json.items;
        return items.length ? items : null;
      },
      20_000,
      'next occurrence',
    );
    await new Promise((r) => setTimeout(r, 3000)); // a duplicate would have arrived by now
    const all = (await u.call('GET', '/api/v1/tasks?status=all')).json.items;
    expect(all).toHaveLength(2);
    expect(next[0]).toMatchObject({ occurrence: 2, series_id: task.series_id, due_at: new Date(due.getTime() + 86_400_000).toISOString() });
  });

  it("a reminder fires through the in-cluster Dapr scheduler and reaches the owner's WebSocket in time", async () => {
    const u = await signUp('remind');
    const client = connect(u);
    await client.opened;
    const at = new Date(Date.now() + 4000);
    const task = (
      await u.call('POST', '/api/v1/tasks', {
        title: 'Reminder in the cluster',
        due_at: new Date(at.getTime() + 600_000).toISOString(),
        reminders: [{ at: at.toISOString() }],
      })
    ).json;
    const pushed = await eventually(
      async () => client.messages.find((m) => m.type === 'notification' && m.notification?.task_id === task.id),
      30_000,
      'reminder on the WebSocket',
    );
    const arrived = Date.now();
    expect(pushed).toBeTruthy();
    expect(arrived).toBeGreaterThanOrEqual(at.getTime());
    // "in time": within a few seconds of its instant on this two-core node
    expect(arrived - at.getTime()).toBeLessThan(10_000);
    const n = (await u.call('GET', '/api/v1/notifications')).json.items.find((x: { task_id: number }) => x.task_id === task.id);
    expect(Date.parse(n.created_at)).toBeGreaterThanOrEqual(at.getTime());
    client.ws.close();
  });

  it('an invalid event lands on its dead-letter topic and consumers keep going', async () => {
    const audit = (await readyPodsOf('audit'))[0];
    const deadLettered = async () =>
      Number(
        (await (await request(`http://${audit.status.podIP}:4003/metrics`)).text()).match(
          /kairos_events_consumed_total\{[^}]*consumer="audit"[^}]*outcome="dead_lettered"[^}]*\} (\d+)/,
        )?.[1] ?? '0',
      );
    const dlqBefore = await dlqMessages();
    const before = await deadLettered();
    const api = (await readyPodsOf('api'))[0].metadata.name;
    const status = (
      await inPod(
        api,
        'api',
        `const r = await fetch('http://127.0.0.1:3500/v1.0/publish/kairos-pubsub/task-events', { method: 'POST',
         headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'exploded', task_id: 'not a number' }) });
       console.log(r.status);`,
      )
    ).trim();
    expect(status).toBe('204');
    await eventually(async () => (await deadLettered()) > before, 20_000, 'dead-letter count');
    await eventually(async () => (await dlqMessages()) > dlqBefore, 20_000, 'a message on task-events.dlq');
    const u = await signUp('after-poison');
    const task = (await u.call('POST', '/api/v1/tasks', { title: 'After the poison' })).json;
    await eventually(
      async () => (await u.call('GET', `/api/v1/tasks/${task.id}/history`)).json.items.length > 0,
      15_000,
      'audit after poison',
    );
  });
});

/** Messages on task-events.dlq, read from the managed Kafka over SASL_SSL (end offsets summed). */
async function dlqMessages(): Promise<number> {
  return (await clusterScript('managed.sh', 'offsets', 'task-events.dlq'))
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line.split(':')[2] ?? 0), 0);
}
