// Invariants of the rendered chart (node --test). Renders with the helm binary in $HELM
// (deploy/validate/run.sh sets it) for the default values, every values-*.yaml of the
// chart and the test variants in this folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parseDocument } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const chart = path.resolve(here, '../kairos');
const repo = path.resolve(here, '../../..');
const HELM = process.env.HELM || 'helm';
const KUBE_VERSION = process.env.KUBE_VERSION || '1.33.0';
const NS = 'kairos';

function render(valueFiles = [], set = []) {
  const args = ['template', 'kairos', chart, '-n', NS, '--kube-version', KUBE_VERSION];
  for (const f of valueFiles) args.push('-f', f);
  for (const s of set) args.push('--set', s);
  const out = execFileSync(HELM, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean);
}
function renderFails(set) {
  try {
    render([], set);
  } catch (e) {
    return String(e.stderr || e.message);
  }
  return null;
}

const variants = {
  default: [],
  ...Object.fromEntries(
    fs
      .readdirSync(chart)
      .filter((f) => /^values-.+\.yaml$/.test(f))
      .map((f) => [f.replace(/^values-|\.yaml$/g, ''), [path.join(chart, f)]]),
  ),
  external: [path.join(here, 'values-external.yaml')],
};
const rendered = Object.fromEntries(Object.entries(variants).map(([k, files]) => [k, render(files)]));

const ofKind = (docs, kind) => docs.filter((d) => d.kind === kind);
const byName = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const podTemplate = (w) => (w.kind === 'Job' ? w.spec.template : w.spec.template);
const workloads = (docs) => docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.kind));
const BACKEND = ['api', 'notifier', 'recurrence', 'audit', 'realtime'];
const appIdOf = (dep) => podTemplate(dep).metadata.annotations?.['dapr.io/app-id'];

for (const [variant, docs] of Object.entries(rendered)) {
  test(`[${variant}] every workload: probes, resources, securityContext, Dapr annotations`, () => {
    const ws = workloads(docs);
    assert.ok(ws.length >= 6, 'expected at least six workloads');
    for (const w of ws) {
      const pod = podTemplate(w).spec;
      const ann = podTemplate(w).metadata.annotations ?? {};
      const where = `${w.kind}/${w.metadata.name}`;
      assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: pod runAsNonRoot`);
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where}: pod seccomp`);
      assert.ok(['true', 'false'].includes(ann['dapr.io/enabled']), `${where}: dapr.io/enabled must be explicit`);
      for (const c of pod.containers) {
        const cw = `${where}/${c.name}`;
        if (w.kind !== 'Job') {
          for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.ok(c[p], `${cw}: ${p}`);
          assert.notDeepEqual(c.livenessProbe, c.readinessProbe, `${cw}: liveness and readiness must differ`);
        }
        for (const k of ['requests', 'limits'])
          for (const r of ['cpu', 'memory', 'ephemeral-storage']) assert.ok(c.resources?.[k]?.[r], `${cw}: resources.${k}.${r}`);
        const sc = c.securityContext ?? {};
        assert.equal(sc.runAsNonRoot, true, `${cw}: runAsNonRoot`);
        assert.ok(sc.runAsUser >= 10000, `${cw}: runAsUser >= 10000`);
        assert.equal(sc.readOnlyRootFilesystem, true, `${cw}: readOnlyRootFilesystem`);
        assert.equal(sc.allowPrivilegeEscalation, false, `${cw}: allowPrivilegeEscalation`);
        assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${cw}: drop ALL`);
        assert.ok(
          (c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp'),
          `${cw}: writable /tmp`,
        );
      }
      if (w.kind === 'Deployment') {
        assert.equal(w.spec.strategy.rollingUpdate.maxUnavailable, 0, `${where}: maxUnavailable 0`);
        assert.ok(pod.containers[0].lifecycle?.preStop, `${where}: preStop`);
        assert.ok(pod.terminationGracePeriodSeconds >= 20, `${where}: grace period`);
        assert.ok(byName(docs, 'PodDisruptionBudget', w.metadata.name), `${where}: PDB`);
      }
      const component = podTemplate(w).metadata.labels['app.kubernetes.io/component'];
      if (BACKEND.includes(component)) {
        assert.equal(ann['dapr.io/enabled'], 'true', `${where}: Dapr sidecar`);
        assert.equal(ann['dapr.io/app-id'], `kairos-${component}`, `${where}: app id`);
        assert.equal(ann['dapr.io/app-port'], String(pod.containers[0].ports[0].containerPort), `${where}: app port`);
        assert.equal(ann['dapr.io/config'], 'kairos-config');
        assert.equal(ann['dapr.io/enable-metrics'], 'true');
        assert.equal(ann['dapr.io/metrics-port'], '9090');
        for (const k of ['log-level', 'sidecar-cpu-request', 'sidecar-memory-request', 'sidecar-cpu-limit', 'sidecar-memory-limit'])
          assert.ok(ann[`dapr.io/${k}`], `${where}: dapr.io/${k}`);
        assert.deepEqual(pod.containers[0].args, ['--role', component]);
      } else {
        assert.equal(pod.automountServiceAccountToken, false, `${where}: no service-account token`);
      }
    }
  });

  test(`[${variant}] every Dapr resource is scoped to real app ids`, () => {
    const appIds = new Set(ofKind(docs, 'Deployment').map(appIdOf).filter(Boolean));
    assert.deepEqual([...appIds].sort(), BACKEND.map((r) => `kairos-${r}`).sort());
    for (const d of docs.filter((x) => x.apiVersion?.startsWith('dapr.io/') && x.kind !== 'Configuration')) {
      assert.ok(Array.isArray(d.scopes) && d.scopes.length > 0, `${d.kind}/${d.metadata.name} has scopes`);
      for (const s of d.scopes) assert.ok(appIds.has(s), `${d.kind}/${d.metadata.name}: scope ${s} is an app id`);
    }
    for (const c of ofKind(docs, 'Component')) {
      for (const m of c.spec.metadata) {
        if (m.secretKeyRef) assert.equal(c.auth?.secretStore, 'kairos-secrets', `${c.metadata.name}: secrets through kairos-secrets`);
      }
    }
  });

  test(`[${variant}] KEDA triggers match real subscriptions, consumer groups and partitions`, () => {
    const subs = ofKind(docs, 'Subscription');
    const comps = ofKind(docs, 'Component');
    const topics = ofKind(docs, 'KafkaTopic');
    const scaled = ofKind(docs, 'ScaledObject');
    assert.deepEqual(scaled.map((s) => s.metadata.name).sort(), ['kairos-audit', 'kairos-notifier', 'kairos-recurrence']);
    for (const so of scaled) {
      const dep = byName(docs, 'Deployment', so.spec.scaleTargetRef.name);
      assert.ok(dep, `${so.metadata.name}: target exists`);
      const appId = appIdOf(dep);
      const consumed = subs.filter((s) => s.scopes.includes(appId));
      assert.deepEqual(
        so.spec.triggers.map((t) => t.metadata.topic).sort(),
        consumed.map((s) => s.spec.topic).sort(),
        `${appId}: one trigger per consumed topic`,
      );
      for (const t of so.spec.triggers) {
        assert.equal(t.type, 'kafka');
        const sub = consumed.find((s) => s.spec.topic === t.metadata.topic);
        const comp = comps.find((c) => c.metadata.name === sub.spec.pubsubname);
        const group = comp.spec.metadata.find((m) => m.name === 'consumerGroup').value.replaceAll('{appID}', appId);
        assert.equal(t.metadata.consumerGroup, group, `${appId}: trigger group = Dapr consumer group`);
        assert.ok(!/[{}]/.test(group), `${appId}: consumer group is fixed per app (not per replica)`);
        const brokers = comp.spec.metadata.find((m) => m.name === 'brokers').value;
        assert.equal(t.metadata.bootstrapServers, brokers, `${appId}: same brokers as Dapr`);
        assert.ok(so.spec.pollingInterval <= 10, 'fast polling');
        const kt = topics.find((k) => k.spec.topicName === t.metadata.topic);
        if (kt) assert.ok(so.spec.maxReplicaCount <= kt.spec.partitions, `${appId}: maxReplicas <= partitions of ${t.metadata.topic}`);
        if (variant === 'external') {
          assert.equal(t.authenticationRef?.name, 'kairos-kafka');
          assert.equal(t.metadata.sasl, 'scram_sha512');
          assert.equal(t.metadata.tls, 'enable');
        }
      }
    }
    for (const s of subs) {
      assert.equal(s.spec.deadLetterTopic, `${s.spec.topic}.dlq`);
      if (topics.length) {
        for (const name of [s.spec.topic, s.spec.deadLetterTopic])
          assert.ok(
            topics.some((k) => k.spec.topicName === name),
            `KafkaTopic ${name}`,
          );
      }
    }
    const hpas = ofKind(docs, 'HorizontalPodAutoscaler')
      .map((h) => h.metadata.name)
      .sort();
    assert.deepEqual(hpas, ['kairos-api', 'kairos-realtime', 'kairos-web']);
    for (const h of ofKind(docs, 'HorizontalPodAutoscaler')) assert.equal(h.spec.metrics[0].resource.name, 'cpu');
  });

  test(`[${variant}] routing: / -> web, /api and /docs -> api, /ws -> realtime`, () => {
    const want = { '/': 'kairos-web', '/api': 'kairos-api', '/docs': 'kairos-api', '/ws': 'kairos-realtime' };
    const ing = ofKind(docs, 'Ingress')[0];
    const route = ofKind(docs, 'HTTPRoute')[0];
    assert.ok(ing || route, 'an Ingress or an HTTPRoute');
    if (ing) {
      const got = Object.fromEntries(ing.spec.rules[0].http.paths.map((p) => [p.path, p.backend.service.name]));
      assert.deepEqual(got, want);
    }
    if (route) {
      const got = Object.fromEntries(route.spec.rules.map((r) => [r.matches[0].path.value, r.backendRefs[0].name]));
      assert.deepEqual(got, want);
    }
  });

  test(`[${variant}] NetworkPolicies allow exactly the flows the system uses`, () => {
    const v = variantValues(variant);
    const got = new Set(flows(docs));
    const want = new Set(expectedFlows(v));
    const missing = [...want].filter((f) => !got.has(f));
    const extra = [...got].filter((f) => !want.has(f));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    const deny = byName(docs, 'NetworkPolicy', 'kairos-default-deny');
    assert.deepEqual(deny.spec.policyTypes, ['Ingress', 'Egress']);
    assert.equal(deny.spec.ingress, undefined);
    assert.equal(deny.spec.egress, undefined);
  });
}

// ---- NetworkPolicy flow model
function peerName(p) {
  if (p.ipBlock) return `cidr:${p.ipBlock.cidr}`;
  const ns = p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  const pod = p.podSelector?.matchLabels ?? {};
  if (pod['k8s-app'] === 'kube-dns') return 'dns';
  if (pod['strimzi.io/kind'] === 'Kafka') return 'kafka';
  if (pod['app.kubernetes.io/component']) return pod['app.kubernetes.io/component'];
  if (pod['kairos.dev/tier']) return `tier:${pod['kairos.dev/tier']}`;
  const tierIn = p.podSelector?.matchExpressions?.find((e) => e.key === 'kairos.dev/tier' && e.operator === 'In');
  if (tierIn) return `tier:${[...tierIn.values].sort().join('|')}`;
  if (ns) return `ns:${ns}`;
  if (pod['app.kubernetes.io/part-of'] === 'kairos') return 'release';
  return JSON.stringify(p);
}
function flows(docs) {
  const out = [];
  for (const np of ofKind(docs, 'NetworkPolicy')) {
    const self = np.spec.podSelector.matchLabels?.['app.kubernetes.io/component'];
    if (!self) continue;
    for (const r of np.spec.ingress ?? [])
      for (const p of r.from ?? []) for (const port of r.ports ?? []) out.push(`${peerName(p)} -> ${self}:${port.port}/${port.protocol}`);
    for (const r of np.spec.egress ?? [])
      for (const p of r.to ?? []) for (const port of r.ports ?? []) out.push(`${self} -> ${peerName(p)}:${port.port}/${port.protocol}`);
  }
  return out;
}
function variantValues(variant) {
  const ext = variant === 'external';
  const internalPg = variant === 'minikube';
  const local = variant === 'local-cluster'; // managed Kafka and PostgreSQL on the node address
  const pg = internalPg
    ? ['postgresql:5432']
    : [
        `cidr:${{ gke: '10.0.0.0/8', aks: '10.20.0.0/24', oke: '10.0.20.0/24', external: '10.10.0.0/24', 'local-cluster': '10.77.0.1/32' }[variant] ?? '0.0.0.0/0'}:5432`,
      ];
  const kafka = ext
    ? ['cidr:203.0.113.0/24:9092']
    : local
      ? ['cidr:10.77.0.1/32:9094']
      : variant === 'aks' || variant === 'oke'
        ? ['cidr:0.0.0.0/0:9092']
        : ['kafka:9092'];
  const api = { gke: [['172.16.0.0/28'], [443]], aks: [['0.0.0.0/0'], [443]], oke: [['10.0.0.0/28'], [6443]] }[variant] ?? [
    ['0.0.0.0/0'],
    [443, 6443],
  ];
  const ingressNs = { gke: 'gateway', aks: 'app-routing-system' }[variant] ?? 'ingress-nginx';
  return {
    pg,
    kafka,
    api,
    ingressNs,
    otel: ext,
    smtp: ext ? ['cidr:198.51.100.10/32:587'] : [],
    dnsExtra: variant === 'gke' ? ['169.254.20.10/32'] : [],
    internalPg,
  };
}
// The flow table: who talks to whom, on which port.
function expectedFlows(v) {
  const ports = { web: 3000, api: 4000, notifier: 4001, recurrence: 4002, audit: 4003, realtime: 4004 };
  const f = [];
  const dns = (c) => {
    f.push(`${c} -> dns:53/UDP`, `${c} -> dns:53/TCP`);
    for (const cidr of v.dnsExtra) f.push(`${c} -> cidr:${cidr}:53/UDP`, `${c} -> cidr:${cidr}:53/TCP`);
  };
  for (const c of ['web', 'api', 'realtime']) f.push(`ns:${v.ingressNs} -> ${c}:${ports[c]}/TCP`);
  f.push('web -> api:4000/TCP'); // ingress side (api's policy) and egress side (web's policy)
  for (const [c, port] of Object.entries(ports)) f.push(`ns:monitoring -> ${c}:${port}/TCP`);
  dns('web');
  for (const c of BACKEND) {
    f.push(`tier:backend -> ${c}:50002/TCP`, `ns:monitoring -> ${c}:9090/TCP`);
    dns(c);
    for (const p of [50001, 6500, 50005, 50006]) f.push(`${c} -> ns:dapr-system:${p}/TCP`);
    f.push(`${c} -> tier:backend:50002/TCP`);
    for (const cidr of v.api[0]) for (const p of v.api[1]) f.push(`${c} -> cidr:${cidr}:${p}/TCP`);
    for (const k of v.kafka) f.push(`${c} -> ${k}/TCP`);
    for (const p of v.pg) f.push(`${c} -> ${p}/TCP`);
    if (v.otel) for (const p of [4317, 4318]) f.push(`${c} -> ns:monitoring:${p}/TCP`);
  }
  for (const s of v.smtp) f.push(`notifier -> ${s}/TCP`);
  dns('migrate');
  for (const p of v.pg) f.push(`migrate -> ${p}/TCP`);
  // `helm test`: the smoke-test pod reaches every Service of the release
  dns('smoke-test');
  for (const [c, port] of Object.entries(ports)) f.push(`smoke-test -> ${c}:${port}/TCP`, `smoke-test -> release:${port}/TCP`);
  if (v.internalPg) f.push('tier:backend|migrate -> postgresql:5432/TCP');
  return [...new Set(f)];
}

// ---- The chart's Dapr resources against the local stack's deploy/dapr/
const daprDir = path.join(repo, 'deploy/dapr');
const localFiles = fs.existsSync(daprDir) ? fs.readdirSync(daprDir, { recursive: true }).filter((f) => /\.ya?ml$/.test(f)) : [];
test(
  'Dapr resources match deploy/dapr (names, types, versions, scopes, topics, routes)',
  { skip: localFiles.length ? false : 'deploy/dapr has no YAML files yet' },
  () => {
    const local = localFiles.flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(daprDir, f), 'utf8'))
        .map((d) => d.toJS())
        .filter(Boolean),
    );
    const chartDocs = rendered.default.filter((d) => d.apiVersion?.startsWith('dapr.io/'));
    const key = (d) => `${d.kind}/${d.metadata.name}`;
    assert.deepEqual(chartDocs.map(key).sort(), local.map(key).sort(), 'same Dapr resources');
    for (const l of local) {
      const c = chartDocs.find((d) => key(d) === key(l));
      const k = key(l);
      assert.equal(c.apiVersion, l.apiVersion, `${k}: apiVersion`);
      // An unscoped resource applies to every app id: compare the effective scopes.
      const all = BACKEND.map((r) => `kairos-${r}`);
      const effective = (s) => [...(s?.length ? s : all)].sort();
      assert.deepEqual(effective(c.scopes), effective(l.scopes), `${k}: scopes`);
      if (l.kind === 'Component') {
        // The secret store is the one deliberate difference: local file on a laptop, Kubernetes Secrets in the cluster.
        if (l.metadata.name === 'kairos-secrets') assert.equal(c.spec.type, 'secretstores.kubernetes');
        else assert.equal(c.spec.type, l.spec.type, `${k}: type`);
        assert.equal(c.spec.version, l.spec.version, `${k}: version`);
        assert.equal(c.auth?.secretStore, l.auth?.secretStore, `${k}: auth.secretStore`);
        // Metadata values are environment-specific; fixed behaviour must agree.
        for (const name of ['consumerGroup', 'initialOffset', 'route', 'direction', 'tablePrefix', 'metadataTableName']) {
          const lv = l.spec.metadata?.find((m) => m.name === name);
          const cv = c.spec.metadata?.find((m) => m.name === name);
          if (!lv) continue;
          assert.ok(cv, `${k}: metadata ${name} present`);
          if (name === 'consumerGroup') {
            // Per-replica groups may use {uuid} locally and {podName} in the cluster; per-app groups must be identical.
            const perReplica = (x) => /\{(uuid|podName)\}/.test(x);
            assert.equal(perReplica(cv.value), perReplica(lv.value), `${k}: consumerGroup per replica on both sides`);
            if (!perReplica(lv.value)) assert.equal(cv.value, lv.value, `${k}: consumerGroup`);
          } else if (lv.value !== undefined) assert.equal(String(cv.value), String(lv.value), `${k}: ${name}`);
        }
      }
      if (l.kind === 'Subscription') assert.deepEqual(c.spec, l.spec, `${k}: spec`);
      if (l.kind === 'Resiliency') assert.deepEqual(c.spec, l.spec, `${k}: spec`);
      if (l.kind === 'Configuration') {
        const strip = (ac) => ({ ...ac, policies: ac.policies.map(({ namespace, ...p }) => p) });
        assert.deepEqual(strip(c.spec.accessControl), strip(l.spec.accessControl), `${k}: accessControl`);
        assert.equal(c.spec.tracing.samplingRate, l.spec.tracing.samplingRate, `${k}: sampling`);
      }
    }
  },
);

// ---- The chart against the module table (backend/src/roles/table.ts, `kairos roles --json`)
function moduleTable() {
  const built = path.join(repo, 'backend/dist/roles/table.js');
  const args = fs.existsSync(built) ? ['backend/dist/main.js'] : ['--import', 'tsx', 'backend/src/main.ts'];
  return JSON.parse(execFileSync(process.execPath, [...args, 'roles', '--json'], { cwd: repo, encoding: 'utf8' }));
}
test('every role of the module table is a Deployment with its role, app id and port; its subscriptions are scoped to it', () => {
  const table = moduleTable().roles.filter((r) => r.role !== 'all');
  const docs = rendered.default;
  const deployments = ofKind(docs, 'Deployment').filter((d) => d.spec.template.metadata.annotations?.['dapr.io/enabled'] === 'true');
  assert.deepEqual(deployments.map(appIdOf).sort(), table.map((r) => r.appId).sort(), 'one Dapr-enabled Deployment per role');
  for (const r of table) {
    const dep = deployments.find((d) => appIdOf(d) === r.appId);
    const pod = podTemplate(dep);
    const container = pod.spec.containers[0];
    assert.deepEqual(container.args, ['--role', r.role], `${r.appId}: runs its role`);
    assert.equal(container.ports[0].containerPort, r.port, `${r.appId}: container port`);
    assert.equal(pod.metadata.annotations['dapr.io/app-port'], String(r.port), `${r.appId}: Dapr app port`);
  }
  const subscriptions = docs.filter((d) => d.kind === 'Subscription');
  for (const r of table) {
    for (const s of r.subscriptions) {
      const sub = subscriptions.find((d) => d.spec.topic === s.topic);
      assert.ok(sub, `a Subscription to ${s.topic}`);
      assert.ok(sub.scopes.includes(r.appId), `${s.topic}: scoped to ${r.appId}`);
      assert.equal(sub.spec.pubsubname, s.pubsub, `${s.topic}: pub/sub component`);
      assert.equal(sub.spec.routes.default, s.route, `${s.topic}: route`);
    }
  }
});

test('guards: bad values fail the render', () => {
  assert.match(renderFails(['components.notifier.autoscaling.maxReplicas=50']) ?? '', /exceeds the 6 partitions|maxReplicas/);
  assert.match(renderFails(['kafka.mode=zookeeper']) ?? '', /kafka.mode|enum|must be one of/i);
  assert.match(renderFails(['kafka.mode=external']) ?? '', /brokers/);
  assert.match(renderFails(['postgresql.mode=sqlite']) ?? '', /postgresql.mode|must be one of/i);
  assert.match(renderFails(['components.api.resources=null']) ?? 'accepted', /resources|required|invalid type|accepted/);
});

test('every values file of the chart is covered by a variant', () => {
  assert.deepEqual(Object.keys(rendered).sort(), ['aks', 'default', 'external', 'gke', 'local-cluster', 'minikube', 'oke']);
});

// ---- Prometheus rules: the chart's PrometheusRule is rules/kairos.rules.yaml, every alert has a runbook
const rulesFile = path.join(chart, 'rules/kairos.rules.yaml');
const ruleGroups = parseDocument(fs.readFileSync(rulesFile, 'utf8')).toJS().groups;
const alertRules = ruleGroups.flatMap((g) => g.rules.filter((r) => r.alert));
const RUNBOOK_URL = 'https://github.com/kairos-dev/kairos/blob/main/docs/runbooks.md#';
// The anchors GitHub generates for the headings of a markdown file (fenced code skipped).
function markdownAnchors(file) {
  const seen = new Map();
  const anchors = new Set();
  let fence = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) fence = fence === null ? f[1] : fence === f[1] ? null : fence;
    const h = fence === null && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

test('PrometheusRule renders the groups of rules/kairos.rules.yaml, Prometheus templates untouched', () => {
  assert.ok(alertRules.length >= 10, 'the rules file has alerts');
  assert.equal(ofKind(rendered.default, 'PrometheusRule').length, 0, 'off by default');
  const docs = render([], ['observability.prometheusRule.enabled=true']);
  const rules = ofKind(docs, 'PrometheusRule');
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0].spec.groups, ruleGroups, 'the rendered groups are the rules file');
  const names = rules[0].spec.groups.flatMap((g) => g.rules.map((r) => r.alert).filter(Boolean));
  assert.deepEqual(names.sort(), alertRules.map((r) => r.alert).sort());
  assert.ok(names.includes('KairosTargetDown'));
  const text = JSON.stringify(rules[0].spec);
  assert.match(text, /\{\{ \$labels\.namespace \}\}/, 'Prometheus templates reach Prometheus as written');
  // Variants that enable it render the same groups, with their extra labels.
  for (const [variant, vdocs] of Object.entries(rendered)) {
    for (const pr of ofKind(vdocs, 'PrometheusRule')) {
      assert.deepEqual(pr.spec.groups, ruleGroups, `[${variant}] groups`);
      assert.equal(pr.metadata.labels.release, 'kube-prometheus-stack', `[${variant}] selected by the Prometheus of kube-prometheus-stack`);
    }
  }
  assert.ok(!/^\s*rules\/?\s*$/m.test(fs.readFileSync(path.join(chart, '.helmignore'), 'utf8')), '.helmignore keeps rules/');
});

test('every alert: severity page|ticket, summary, description and a runbook_url to an existing section of docs/runbooks.md', () => {
  const anchors = markdownAnchors(path.join(repo, 'docs/runbooks.md'));
  const names = new Set();
  for (const r of alertRules) {
    assert.ok(!names.has(r.alert), `${r.alert}: unique name`);
    names.add(r.alert);
    assert.match(r.labels?.severity ?? '', /^(page|ticket)$/, `${r.alert}: severity`);
    assert.ok(r.annotations?.summary, `${r.alert}: summary`);
    assert.ok(r.annotations?.description, `${r.alert}: description`);
    const url = r.annotations?.runbook_url ?? '';
    assert.ok(url.startsWith(RUNBOOK_URL), `${r.alert}: runbook_url ${url}`);
    const anchor = url.slice(RUNBOOK_URL.length);
    assert.equal(anchor, r.alert.toLowerCase(), `${r.alert}: the runbook section is named after the alert`);
    assert.ok(anchors.has(anchor), `${r.alert}: docs/runbooks.md has no heading for #${anchor}`);
  }
});

test('every alert has a promtool test where it fires and one where it stays silent', () => {
  const dir = path.join(repo, 'deploy/observability/rules/tests');
  const cases = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => {
      const t = parseDocument(fs.readFileSync(path.join(dir, f), 'utf8')).toJS();
      assert.deepEqual(
        t.rule_files.map((r) => path.resolve(dir, r)),
        [rulesFile],
        `${f}: tests the chart's rules file`,
      );
      return t.tests.flatMap((g) => g.alert_rule_test ?? []);
    });
  for (const { alert } of alertRules) {
    const mine = cases.filter((c) => c.alertname === alert);
    assert.ok(
      mine.some((c) => c.exp_alerts?.length),
      `${alert}: no case where it fires`,
    );
    assert.ok(
      mine.some((c) => !c.exp_alerts?.length),
      `${alert}: no case where it stays silent`,
    );
  }
});

test('monitors scrape every role: ServiceMonitor selects each backend Service on its http port, PodMonitor each daprd', () => {
  const docs = render(
    [],
    ['observability.serviceMonitor.enabled=true', 'observability.podMonitor.enabled=true', 'observability.grafanaDashboards.enabled=true'],
  );
  const sm = docs.find((d) => d.kind === 'ServiceMonitor');
  const pm = docs.find((d) => d.kind === 'PodMonitor');
  assert.ok(sm && pm, 'ServiceMonitor and PodMonitor render');
  const matches = (labels, selector) =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) &&
    (selector.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels?.[e.key]));
  const roles = ['api', 'notifier', 'recurrence', 'audit', 'realtime'];
  for (const role of roles) {
    const svc = docs.find((d) => d.kind === 'Service' && d.metadata.labels?.['app.kubernetes.io/component'] === role);
    assert.ok(svc, `Service of ${role}`);
    assert.ok(matches(svc.metadata.labels, sm.spec.selector), `ServiceMonitor selects the ${role} Service`);
    assert.ok(
      svc.spec.ports.some((p) => p.name === sm.spec.endpoints[0].port),
      `${role} Service exposes the scraped port`,
    );
    const dep = docs.find((d) => d.kind === 'Deployment' && d.metadata.labels?.['app.kubernetes.io/component'] === role);
    const pod = dep.spec.template;
    assert.ok(matches(pod.metadata.labels, pm.spec.selector), `PodMonitor selects the ${role} pods`);
    assert.notEqual(pod.metadata.annotations['dapr.io/enable-metrics'], 'false', `${role}: daprd metrics on`);
  }
  assert.equal(sm.spec.endpoints[0].path, '/metrics');
  const dashboards = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-dashboards'));
  const files = fs.readdirSync(path.join(chart, 'dashboards')).filter((f) => f.endsWith('.json'));
  assert.deepEqual(Object.keys(dashboards.data).sort(), files.sort());
  for (const f of files) assert.equal(JSON.parse(dashboards.data[f]).uid, `kairos-${f.replace(/^kairos-|\.json$/g, '')}`);
});

test('[local-cluster] managed Kafka with a CA of its own: pub/sub components carry caCert, KEDA its ca, both from the Secret', () => {
  const docs = rendered['local-cluster'];
  const pubsubs = ofKind(docs, 'Component').filter((c) => c.spec.type === 'pubsub.kafka');
  assert.ok(pubsubs.length >= 2);
  for (const c of pubsubs) {
    const meta = Object.fromEntries(c.spec.metadata.map((m) => [m.name, m]));
    assert.equal(meta.authType.value, 'password', c.metadata.name);
    assert.equal(meta.saslMechanism.value, 'SHA-512', c.metadata.name);
    assert.equal(meta.disableTls.value, 'false', c.metadata.name);
    assert.deepEqual(meta.caCert.secretKeyRef, { name: 'kairos', key: 'kafka-ca-cert' }, c.metadata.name);
  }
  const auth = byName(docs, 'TriggerAuthentication', 'kairos-kafka');
  assert.deepEqual(
    auth.spec.secretTargetRef.find((r) => r.parameter === 'ca'),
    { parameter: 'ca', name: 'kairos', key: 'kafka-ca-cert' },
  );
  // without privateCA (a provider with a publicly trusted certificate) there is no caCert
  for (const c of ofKind(rendered.external, 'Component').filter((x) => x.spec.type === 'pubsub.kafka')) {
    assert.ok(!c.spec.metadata.some((m) => m.name === 'caCert'), c.metadata.name);
  }
});

test('values-local-cluster.yaml is values-minikube.yaml but for images, managed Kafka/PostgreSQL and a short scale-down window', () => {
  const read = (f) => parseDocument(fs.readFileSync(path.join(chart, f), 'utf8')).toJS();
  const strip = (v) => {
    const c = structuredClone(v);
    delete c.default.image.backendRepository;
    delete c.default.image.webRepository;
    delete c.default.image.tag;
    delete c.default.scaleDownStabilizationSeconds;
    delete c.kafka;
    delete c.postgresql;
    delete c.migrations;
    delete c.networkPolicy.enabled;
    return c;
  };
  assert.deepEqual(strip(read('values-local-cluster.yaml')), strip(read('values-minikube.yaml')));
});

for (const [variant, docs] of Object.entries(rendered)) {
  test(`[${variant}] helm test: a smoke-test Pod checks every Service, and the NetworkPolicies let it`, () => {
    const pod = byName(docs, 'Pod', 'kairos-smoke-test');
    assert.ok(pod, 'smoke-test pod');
    assert.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
    const urls = pod.spec.containers[0].args.slice(1);
    for (const c of [...BACKEND, 'web'])
      assert.ok(
        urls.some((u) => u.startsWith(`http://kairos-${c}:`)),
        `${c} checked`,
      );
    assert.equal(pod.spec.containers[0].securityContext.readOnlyRootFilesystem, true);
    if (!ofKind(docs, 'NetworkPolicy').length) return;
    const own = byName(docs, 'NetworkPolicy', 'kairos-smoke-test');
    assert.ok(own, 'the smoke test has its own policy');
    for (const c of [...BACKEND, 'web']) {
      const np = byName(docs, 'NetworkPolicy', `kairos-${c}`);
      assert.ok(
        np.spec.ingress.some((r) => r.from?.some((f) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'smoke-test')),
        `${c} admits the smoke test`,
      );
    }
  });
}

/**
 * PostgreSQL connections the rendered release can open at its largest, counted from its
 * objects: per backend pod its pool, on api pods also the relay's lanes and its listener;
 * pods at the autoscaler's maximum; plus the migrations job.
 */
function dbConnections(docs) {
  let total = 1;
  for (const d of ofKind(docs, 'Deployment')) {
    const app = d.spec.template.spec.containers.find((c) => c.args?.[0] === '--role');
    if (!app) continue;
    const target = (o) => o.spec.scaleTargetRef.name === d.metadata.name;
    const pods =
      ofKind(docs, 'ScaledObject').find(target)?.spec.maxReplicaCount ??
      ofKind(docs, 'HorizontalPodAutoscaler').find(target)?.spec.maxReplicas ??
      d.spec.replicas;
    const env = (name, fallback) => Number((app.env ?? []).filter((e) => e.name === name).at(-1)?.value ?? fallback);
    total += pods * (env('DATABASE_POOL_MAX', 10) + (app.args[1] === 'api' ? env('KAIROS_OUTBOX_LANES', 4) + 1 : 0));
  }
  return total;
}
const maxConnections = (docs) => {
  const pg = ofKind(docs, 'StatefulSet').find((s) => s.metadata.name.endsWith('postgresql'));
  const arg = pg?.spec.template.spec.containers[0].args?.find((a) => a.startsWith('max_connections='));
  return arg ? Number(arg.split('=')[1]) : undefined;
};

test('the internal PostgreSQL admits every connection the release can open at its largest', () => {
  const internal = Object.entries(rendered).filter(([, docs]) => maxConnections(docs) !== undefined);
  assert.ok(internal.length > 0, 'some variant runs the internal PostgreSQL');
  for (const [variant, docs] of internal) {
    assert.equal(maxConnections(docs), Math.max(100, dbConnections(docs) + 10), variant);
  }
  // pools and lanes set through env, in default.env or a component's own env, count as set
  const minikube = [path.join(chart, 'values-minikube.yaml')];
  const larger = render(minikube, [
    'default.env[0].name=DATABASE_POOL_MAX',
    'default.env[0].value=20',
    'components.api.env[0].name=KAIROS_OUTBOX_LANES',
    'components.api.env[0].value=8',
  ]);
  assert.ok(dbConnections(larger) > dbConnections(rendered.minikube));
  assert.equal(maxConnections(larger), dbConnections(larger) + 10);
});
