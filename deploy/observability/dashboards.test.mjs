/**
 * Static checks of the Grafana dashboards shipped with the Helm chart and of the query
 * extractor a system test uses to run every panel query against a live Prometheus.
 *
 *   node --test deploy/observability/
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_DASHBOARD_DIR,
  VARIABLE_VALUES,
  allPanels,
  dashboardQueries,
  loadDashboards,
  substituteVariables,
  variablesIn,
} from './dashboard-queries.mjs';

const SCRIPT = fileURLToPath(new URL('./dashboard-queries.mjs', import.meta.url));
const EXPECTED = ['dapr', 'event-pipeline', 'overview', 'realtime', 'reminders', 'slo'].map((n) => `kairos-${n}.json`);
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const NAMESPACE_MATCHER = 'namespace=~"$namespace"';

const dashboards = loadDashboards();

/** Every panel including rows and panels nested in collapsed rows. */
function everyPanel(dashboard) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      out.push(p);
      if (Array.isArray(p.panels)) walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

function everyTarget() {
  return dashboards.flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ file, dashboard, panel, target }))),
  );
}

// --- a small PromQL sanity check (no Prometheus needed) -------------------------------------

const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'holt_winters',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log2',
  'log10',
  'max_over_time',
  'min_over_time',
  'predict_linear',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
  // aggregations
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Metrics the system exposes (app, prom-client defaults, daprd, kafka exporter) and the SLO recording rules. */
const KNOWN_METRICS = [
  /^http_server_request_duration_seconds_(bucket|count|sum)$/,
  /^kairos_(events_published_total|events_consumed_total|outbox_pending|outbox_oldest_age_seconds)$/,
  /^kairos_(consumer_handler_duration_seconds|event_e2e_latency_seconds|reminder_lateness_seconds)_(bucket|count|sum)$/,
  /^kairos_(reminders_scheduled_total|reminders_fired_total|notifications_total|websocket_connections|websocket_messages_total|db_pool_connections)$/,
  /^(process_cpu_seconds_total|process_resident_memory_bytes|nodejs_eventloop_lag_p99_seconds|nodejs_heap_size_used_bytes)$/,
  /^dapr_http_server_request_count$/,
  /^dapr_(http_server_latency|http_client_roundtrip_latency|component_pubsub_egress_latencies|component_pubsub_egress_bulk_latencies|component_pubsub_ingress_latencies|component_pubsub_ingress_bulk_latencies)_bucket$/,
  /^dapr_component_(pubsub_egress_count|pubsub_egress_bulk_count|pubsub_ingress_count|pubsub_ingress_bulk_event_count|input_binding_count|secret_count)$/,
  /^dapr_(resiliency_cb_state|grpc_io_client_completed_rpcs|runtime_component_loaded)$/,
  /^kafka_consumergroup_lag$/,
  /^kairos:event_latency_slo_errors:ratio_rate(5m|30m|1h|2h|6h|1d|3d)$/,
];

/**
 * Returns a list of problems with one (variable-free) PromQL expression: unbalanced brackets or
 * quotes, unknown functions, bad range durations, metric names outside the known list.
 */
function promqlProblems(expr) {
  const problems = [];
  const stack = [];
  const pairs = { ')': '(', ']': '[', '}': '{' };
  let i = 0;
  let prevWord = '';
  let groupingOpen = false; // inside by (...) / on (...) label list
  let groupingDepth = -1;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= expr.length) {
        problems.push(`unterminated string at ${i}`);
        break;
      }
      i = j + 1;
      continue;
    }
    if (c === '(' || c === '{') {
      if (c === '(' && GROUPING.has(prevWord)) {
        groupingOpen = true;
        groupingDepth = stack.length;
      }
      stack.push(c);
      prevWord = '';
      i++;
      continue;
    }
    if (c === '[') {
      const close = expr.indexOf(']', i);
      if (close < 0) {
        problems.push(`unclosed [ at ${i}`);
        break;
      }
      const range = expr.slice(i + 1, close);
      if (!/^(\d+(ms|s|m|h|d|w|y))+(:(\d+(ms|s|m|h|d|w|y))*)?$/.test(range)) problems.push(`bad range [${range}]`);
      i = close + 1;
      prevWord = '';
      continue;
    }
    if (c === ')' || c === '}' || c === ']') {
      if (stack.pop() !== pairs[c]) problems.push(`unbalanced ${c} at ${i}`);
      if (c === ')' && groupingOpen && stack.length === groupingDepth) groupingOpen = false;
      prevWord = '';
      i++;
      continue;
    }
    const word = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i));
    if (word && !/[0-9.]/.test(expr[i - 1] ?? '')) {
      const w = word[0];
      const rest = expr.slice(i + w.length).trimStart();
      const inBraces = stack.at(-1) === '{';
      if (inBraces || groupingOpen) {
        // a label name
      } else if (KEYWORDS.has(w)) {
        // operator keyword
      } else if (FUNCTIONS.has(w) && /^(\(|by\b|without\b)/.test(rest)) {
        // function call or aggregation (possibly with its grouping first)
      } else if (rest.startsWith('(')) {
        problems.push(`unknown function ${w}()`);
      } else if (!KNOWN_METRICS.some((re) => re.test(w))) {
        problems.push(`unknown metric ${w}`);
      }
      prevWord = w;
      i += w.length;
      continue;
    }
    if (!/\s/.test(c)) prevWord = '';
    i++;
  }
  if (stack.length) problems.push(`unclosed ${stack.join('')}`);
  return problems;
}

/** The metric selectors (name plus optional {matchers}) of a raw expression. */
function selectors(expr) {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => '"' + '_'.repeat(s.length - 2) + '"');
  const out = [];
  for (const m of noStrings.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    if (!KNOWN_METRICS.some((re) => re.test(name))) continue;
    const after = m.index + name.length;
    const braces = noStrings[after] === '{' ? expr.slice(after, noStrings.indexOf('}', after) + 1) : '';
    out.push({ name, matchers: braces });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('dashboards', () => {
  it('ships the expected dashboard files, all parsing as JSON', () => {
    assert.deepEqual(
      readdirSync(DEFAULT_DASHBOARD_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
      EXPECTED,
    );
    assert.equal(dashboards.length, EXPECTED.length);
  });

  it('have unique uids kairos-<file name>, schemaVersion 39, a title and tags', () => {
    const uids = dashboards.map(({ dashboard }) => dashboard.uid);
    assert.equal(new Set(uids).size, uids.length, `duplicate uid in ${uids}`);
    for (const { file, dashboard } of dashboards) {
      assert.equal(dashboard.uid, basename(file, '.json'), file);
      assert.ok(dashboard.uid.length <= 40, `${file}: uid longer than Grafana's 40 characters`);
      assert.equal(dashboard.schemaVersion, 39, file);
      assert.ok(dashboard.title, file);
      assert.ok(dashboard.tags?.includes('kairos'), `${file}: tag kairos`);
      assert.equal(dashboard.id, undefined, `${file}: no instance-specific id`);
    }
  });

  it('declare the datasource and namespace variables', () => {
    for (const { file, dashboard } of dashboards) {
      const vars = dashboard.templating?.list ?? [];
      const ds = vars.find((v) => v.name === 'datasource');
      assert.ok(ds, `${file}: datasource variable`);
      assert.equal(ds.type, 'datasource', file);
      assert.equal(ds.query, 'prometheus', file);
      const ns = vars.find((v) => v.name === 'namespace');
      assert.ok(ns, `${file}: namespace variable`);
      assert.equal(ns.type, 'query', file);
      assert.equal(typeof ns.query === 'string' ? ns.query : ns.query?.query, 'label_values(kairos_outbox_pending, namespace)', file);
      assert.equal(ns.includeAll, true, file);
      assert.equal(ns.allValue, '.*', file);
      assert.equal(ns.multi, false, file);
      assert.deepEqual(ns.datasource, DATASOURCE, file);
      assert.deepEqual(
        vars.map((v) => v.name),
        ['datasource', 'namespace'],
        `${file}: only these variables (the extractor knows no others)`,
      );
    }
  });

  it('give every panel the datasource variable, a description and targets', () => {
    for (const { file, dashboard } of dashboards) {
      const panels = allPanels(dashboard);
      assert.ok(panels.length >= 4 && panels.length <= 14, `${file}: ${panels.length} panels`);
      for (const panel of panels) {
        const where = `${file} / ${panel.title}`;
        assert.ok(panel.title, `${file}: panel ${panel.id} has a title`);
        assert.deepEqual(panel.datasource, DATASOURCE, where);
        assert.ok(panel.description?.length > 20, `${where}: description`);
        assert.ok(Array.isArray(panel.targets) && panel.targets.length > 0, `${where}: targets`);
        const refIds = panel.targets.map((t) => t.refId);
        assert.equal(new Set(refIds).size, refIds.length, `${where}: unique refIds`);
        for (const t of panel.targets) {
          if (t.datasource !== undefined) assert.deepEqual(t.datasource, DATASOURCE, `${where} / ${t.refId}`);
        }
        if (panel.type !== 'heatmap') assert.ok(panel.fieldConfig?.defaults?.unit, `${where}: unit`);
      }
    }
  });

  it('use rows, unique panel ids per dashboard and a gridPos on every panel', () => {
    for (const { file, dashboard } of dashboards) {
      const panels = everyPanel(dashboard);
      assert.ok(
        panels.some((p) => p.type === 'row'),
        `${file}: groups panels in rows`,
      );
      const ids = panels.map((p) => p.id);
      assert.ok(
        ids.every((id) => Number.isInteger(id)),
        `${file}: integer ids`,
      );
      assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel id in ${ids}`);
      for (const p of panels) {
        const g = p.gridPos;
        assert.ok(g, `${file} / ${p.title}: gridPos`);
        for (const k of ['h', 'w', 'x', 'y']) assert.ok(Number.isInteger(g[k]) && g[k] >= 0, `${file} / ${p.title}: gridPos.${k}`);
        assert.ok(g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${file} / ${p.title}: gridPos within 24 columns`);
      }
    }
  });

  it('give every target a non-empty expr that uses only known variables', () => {
    const known = new Set(Object.keys(VARIABLE_VALUES));
    for (const { file, panel, target } of everyTarget()) {
      const where = `${file} / ${panel.title} / ${target.refId}`;
      assert.equal(typeof target.expr, 'string', where);
      assert.ok(target.expr.trim().length > 0, `${where}: empty expr`);
      for (const v of variablesIn(target.expr)) assert.ok(known.has(v), `${where}: unknown variable $${v}`);
    }
  });

  it('filter every selector by namespace=~"$namespace" and use $__rate_interval outside the SLO windows', () => {
    for (const { file, panel, target } of everyTarget()) {
      const where = `${file} / ${panel.title} / ${target.refId}`;
      const sels = selectors(target.expr);
      assert.ok(sels.length > 0, `${where}: no known metric in ${target.expr}`);
      for (const s of sels)
        assert.ok(s.matchers.includes(NAMESPACE_MATCHER), `${where}: ${s.name}${s.matchers} lacks ${NAMESPACE_MATCHER}`);
      if (file !== 'kairos-slo.json') {
        for (const [, range] of target.expr.matchAll(/\[([^\]]*)\]/g)) {
          assert.ok(['$__rate_interval', '$__range'].includes(range), `${where}: range [${range}] should be [$__rate_interval]`);
        }
      }
    }
  });

  it('have syntactically plausible PromQL with known functions and metrics', () => {
    for (const { file, panel, target } of everyTarget()) {
      const problems = promqlProblems(substituteVariables(target.expr));
      assert.deepEqual(problems, [], `${file} / ${panel.title} / ${target.refId}: ${target.expr}`);
    }
  });

  const promtool = spawnSync('promtool', ['--version']).error ? null : 'promtool';
  it('parse with the real PromQL parser (promtool check rules)', { skip: promtool ? false : 'promtool not on PATH' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-promql-'));
    try {
      const rules = dashboardQueries().map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
      const file = join(dir, 'rules.yml'); // JSON is YAML
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboards', rules }] }));
      const res = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stdout + res.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draw latency histograms as heatmaps of per-bucket increases', () => {
    const heatmaps = everyTarget().filter(({ panel }) => panel.type === 'heatmap');
    assert.ok(heatmaps.length >= 3, 'event pipeline, reminders and real-time have heatmaps');
    for (const { file, panel, target } of heatmaps) {
      const where = `${file} / ${panel.title}`;
      assert.equal(target.format, 'heatmap', where);
      assert.match(target.expr, /^sum by \(le\) \(increase\([a-z0-9_]+_bucket\{[^}]*\}\[\$__rate_interval\]\)\)$/, where);
      assert.equal(panel.options?.calculate, false, `${where}: buckets come pre-computed`);
    }
  });

  it('show one panel from the SLO recording rules and compute everything else from raw metrics', () => {
    const recording = everyTarget().filter(({ target }) => target.expr.includes('kairos:'));
    assert.equal(recording.length, 1);
    assert.equal(recording[0].file, 'kairos-slo.json');
    assert.match(recording[0].target.expr, /^kairos:event_latency_slo_errors:ratio_rate5m\{/);
  });

  it('guard ratios and error selectors against series that do not exist while healthy', () => {
    // A selector on a failure-only label value is empty when nothing fails; it must sit under
    // `or` so the panel still returns a series.
    const failureOnly = /(status_code=~"5\.\."|outcome="error"|outcome!="ok"|outcome="stale")/;
    for (const { file, panel, target } of everyTarget()) {
      if (failureOnly.test(target.expr)) assert.match(target.expr, /\bor\b/, `${file} / ${panel.title} / ${target.refId}`);
    }
  });
});

describe('substituteVariables', () => {
  it('replaces the namespace variable in both syntaxes', () => {
    assert.equal(substituteVariables('up{namespace=~"$namespace"}'), 'up{namespace=~".*"}');
    assert.equal(substituteVariables('up{namespace=~"${namespace}"}'), 'up{namespace=~".*"}');
    assert.equal(substituteVariables('up{namespace=~"${namespace:regex}"}'), 'up{namespace=~".*"}');
    assert.equal(substituteVariables('up{namespace=~"[[namespace]]"}'), 'up{namespace=~".*"}');
  });

  it('replaces the interval and range variables', () => {
    assert.equal(substituteVariables('rate(x[$__rate_interval])'), 'rate(x[1m])');
    assert.equal(substituteVariables('rate(x[${__rate_interval}])'), 'rate(x[1m])');
    assert.equal(substituteVariables('avg_over_time(x[$__interval])'), 'avg_over_time(x[30s])');
    assert.equal(substituteVariables('increase(x[$__range])'), 'increase(x[15m])');
    assert.equal(
      substituteVariables('sum(rate(a{namespace=~"$namespace"}[$__rate_interval])) / sum(increase(b{namespace=~"$namespace"}[$__range]))'),
      'sum(rate(a{namespace=~".*"}[1m])) / sum(increase(b{namespace=~".*"}[15m]))',
    );
  });

  it('leaves expressions without variables and regex anchors alone', () => {
    const expr = 'sum by (le) (rate(x_bucket{le=~"1|1.0", path=~"^/api$"}[5m]))';
    assert.equal(substituteVariables(expr), expr);
  });

  it('fails loudly on any other variable', () => {
    assert.throws(() => substituteVariables('up{job="$job"}'), /unknown Grafana variable \$job/);
    assert.throws(() => substituteVariables('up{job="${job}"}'), /unknown Grafana variable \$\{job\}/);
    assert.throws(() => substituteVariables('up{job="[[job]]"}'), /unknown Grafana variable/);
    assert.throws(() => substituteVariables('rate(x[$__range_s])'), /\$__range_s/);
    assert.throws(() => substituteVariables('x{ds="$datasource"}'), /\$datasource/);
  });

  it('accepts a custom value map', () => {
    assert.equal(substituteVariables('x{namespace=~"$namespace"}', { namespace: 'kairos' }), 'x{namespace=~"kairos"}');
  });
});

describe('promqlProblems (the test helper)', () => {
  it('accepts valid expressions', () => {
    assert.deepEqual(
      promqlProblems('histogram_quantile(0.99, sum by (role, le) (rate(http_server_request_duration_seconds_bucket{a="b"}[1m])))'),
      [],
    );
    assert.deepEqual(promqlProblems('(sum(rate(kairos_events_published_total{outcome="error"}[1m])) or vector(0)) / 2'), []);
    assert.deepEqual(promqlProblems('kairos:event_latency_slo_errors:ratio_rate5m{namespace=~".*"}'), []);
  });

  it('rejects broken ones', () => {
    assert.notDeepEqual(promqlProblems('sum(rate(kairos_outbox_pending[1m])'), []);
    assert.notDeepEqual(promqlProblems('sum(kairos_outbox_pending{a="b)'), []);
    assert.notDeepEqual(promqlProblems('rate(kairos_outbox_pending[$__rate_interval])'), []);
    assert.notDeepEqual(promqlProblems('summ(kairos_outbox_pending)'), []);
    assert.notDeepEqual(promqlProblems('sum(kairos_outbox_pendin)'), []);
  });
});

describe('dashboardQueries', () => {
  it('returns every target of every panel, variables substituted', () => {
    const queries = dashboardQueries();
    assert.equal(queries.length, everyTarget().length);
    const dashboardsSeen = new Set(queries.map((q) => q.dashboard));
    assert.deepEqual([...dashboardsSeen].sort(), EXPECTED.map((f) => basename(f, '.json')).sort());
    for (const q of queries) {
      assert.deepEqual(Object.keys(q), ['dashboard', 'panel', 'refId', 'expr']);
      assert.ok(q.panel && q.refId && q.expr, JSON.stringify(q));
      assert.doesNotMatch(q.expr, /\$|\[\[/, JSON.stringify(q));
    }
  });

  it('includes panels nested in collapsed rows and fails on unknown variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-dashboards-'));
    try {
      const dashboard = {
        uid: 'kairos-fixture',
        panels: [
          { id: 1, type: 'row', title: 'open', collapsed: false, panels: [] },
          {
            id: 2,
            type: 'timeseries',
            title: 'top',
            targets: [{ refId: 'A', expr: 'rate(a{namespace=~"$namespace"}[$__rate_interval])' }],
          },
          {
            id: 3,
            type: 'row',
            title: 'closed',
            collapsed: true,
            panels: [{ id: 4, type: 'stat', title: 'nested', targets: [{ refId: 'B', expr: 'increase(b[$__range])' }] }],
          },
        ],
      };
      writeFileSync(join(dir, 'a.json'), JSON.stringify(dashboard));
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      assert.deepEqual(dashboardQueries(dir), [
        { dashboard: 'kairos-fixture', panel: 'top', refId: 'A', expr: 'rate(a{namespace=~".*"}[1m])' },
        { dashboard: 'kairos-fixture', panel: 'nested', refId: 'B', expr: 'increase(b[15m])' },
      ]);
      dashboard.panels[2].panels[0].targets[0].expr = 'b{job="$job"}';
      writeFileSync(join(dir, 'a.json'), JSON.stringify(dashboard));
      assert.throws(() => dashboardQueries(dir), /\$job/);
      dashboard.panels[2].panels[0].targets[0].expr = ' ';
      writeFileSync(join(dir, 'a.json'), JSON.stringify(dashboard));
      assert.throws(() => dashboardQueries(dir), /no expr/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the panels of the collapsed rows in the shipped dashboards', () => {
    const nested = dashboards.flatMap(({ dashboard }) =>
      dashboard.panels.filter((p) => p.type === 'row' && p.collapsed).flatMap((r) => r.panels.map((p) => p.title)),
    );
    assert.ok(nested.length > 0, 'at least one collapsed row with panels');
    const titles = new Set(dashboardQueries().map((q) => q.panel));
    for (const t of nested) assert.ok(titles.has(t), t);
  });

  it('prints one JSON object per line when run as a script', () => {
    const out = execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    assert.equal(lines.length, dashboardQueries().length);
    assert.deepEqual(JSON.parse(lines[0]), dashboardQueries()[0]);
    const explicit = execFileSync(process.execPath, [SCRIPT, DEFAULT_DASHBOARD_DIR], { encoding: 'utf8' });
    assert.equal(explicit, out);
  });
});
