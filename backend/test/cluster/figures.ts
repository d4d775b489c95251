/**
 * Figures the operations tests measure (rollout, autoscaling, recovery). Printed as they
 * come; with KAIROS_BENCH_OUT set (`npm run bench:cluster`), also appended to that file
 * as JSON lines for the benchmark's table.
 */
import { appendFileSync } from 'node:fs';

export function figure(name: string, value: number, unit: string, note = ''): void {
  console.log(`[cluster figure] ${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}${note ? ` (${note})` : ''}`);
  const out = process.env.KAIROS_BENCH_OUT;
  if (out) appendFileSync(out, `${JSON.stringify({ name, value, unit, note })}\n`);
}

const PORTS: Record<string, number> = { api: 4000, notifier: 4001, recurrence: 4002, audit: 4003, realtime: 4004 };

interface Counters {
  appCpu: number;
  sidecarCpu: number;
  requests: number;
  events: number;
}

const sum = (text: string, re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);

/** Per pod: CPU seconds of the app and of its sidecar, API requests served, events handled. */
export async function cpuCounters(pods: Array<{ metadata: { name: string; labels: Record<string, string> }; status: { podIP: string } }>) {
  const out = new Map<string, Counters & { component: string }>();
  await Promise.all(
    pods.map(async (p) => {
      const component = p.metadata.labels['app.kubernetes.io/component']!;
      // A pod an autoscaler is removing may be gone by now: it is left out of both snapshots' pairing.
      const [app, sidecar] = await Promise.all(
        [PORTS[component], 9090].map(async (port) => (await fetch(`http://${p.status.podIP}:${port}/metrics`)).text()),
      ).catch(() => [undefined, undefined]);
      if (app === undefined || sidecar === undefined) return;
      out.set(p.metadata.name, {
        component,
        appCpu: sum(app!, /^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)/gm),
        sidecarCpu: sum(sidecar!, /^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)/gm),
        requests: sum(app!, /^http_server_request_duration_seconds_count\{[^}]*route="\/api\/v1[^}]*\} (\S+)/gm),
        events: sum(app!, /^kairos_events_consumed_total\{[^}]*\} (\S+)/gm),
      });
    }),
  );
  return out;
}

/**
 * CPU per API request (api pods) and per event handled (consumer pods) between two
 * snapshots, over the pods present in both: the capacity model's inputs.
 */
export function cpuPerUnit(before: Map<string, Counters & { component: string }>, after: Map<string, Counters & { component: string }>) {
  const by = new Map<string, Counters>();
  for (const [pod, a] of after) {
    const b = before.get(pod);
    if (!b) continue;
    const acc = by.get(a.component) ?? { appCpu: 0, sidecarCpu: 0, requests: 0, events: 0 };
    acc.appCpu += a.appCpu - b.appCpu;
    acc.sidecarCpu += a.sidecarCpu - b.sidecarCpu;
    acc.requests += a.requests - b.requests;
    acc.events += a.events - b.events;
    by.set(a.component, acc);
  }
  for (const [component, c] of by) {
    const units = component === 'api' ? c.requests : c.events;
    const unit = component === 'api' ? 'request' : 'event';
    if (units < 50) continue; // too few to divide by
    figure(`CPU per ${unit}: ${component}`, (c.appCpu / units) * 1000, 'ms', `${units} ${unit}s`);
    figure(`CPU per ${unit}: ${component}'s sidecar`, (c.sidecarCpu / units) * 1000, 'ms');
  }
}
