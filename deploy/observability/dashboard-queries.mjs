#!/usr/bin/env node
/**
 * Lists the PromQL query of every target of every panel of the Grafana dashboards, with the
 * dashboard variables replaced so each query can run as-is against a live Prometheus.
 *
 *   node deploy/observability/dashboard-queries.mjs [dir]   → one JSON object per line
 *
 * dir defaults to the Helm chart's dashboards folder. No dependencies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../helm/kairos/dashboards/', import.meta.url));

/** Values used for a live query; anything else is an error so no query runs with a literal `$var`. */
export const VARIABLE_VALUES = Object.freeze({
  namespace: '.*',
  __rate_interval: '1m',
  __interval: '30s',
  __range: '15m',
});

// $name, ${name}, ${name:format} and [[name]] (Grafana's legacy syntax).
const VARIABLE = /\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]/g;

/** Names of the Grafana variables an expression uses. */
export function variablesIn(expr) {
  return [...expr.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Replaces the Grafana variables of one expression; throws on a variable it has no value for. */
export function substituteVariables(expr, values = VARIABLE_VALUES) {
  return expr.replace(VARIABLE, (whole, braced, plain, legacy) => {
    const name = braced ?? plain ?? legacy;
    if (!Object.hasOwn(values, name)) throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
    return values[name];
  });
}

/** Every non-row panel of a dashboard, including panels inside collapsed rows. */
export function allPanels(dashboard) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      if (p.type !== 'row') out.push(p);
      if (Array.isArray(p.panels)) walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Parsed dashboards of a folder: [{ file, dashboard }], sorted by file name. */
export function loadDashboards(dir = DEFAULT_DASHBOARD_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      try {
        return { file, dashboard: JSON.parse(text) };
      } catch (err) {
        throw new Error(`${file}: invalid JSON: ${err.message}`);
      }
    });
}

/** [{ dashboard, panel, refId, expr }] for every target of every panel, variables substituted. */
export function dashboardQueries(dir = DEFAULT_DASHBOARD_DIR) {
  const queries = [];
  for (const { file, dashboard } of loadDashboards(dir)) {
    const name = dashboard.uid ?? file;
    for (const panel of allPanels(dashboard)) {
      for (const t of panel.targets ?? []) {
        if (typeof t.expr !== 'string' || t.expr.trim() === '') {
          throw new Error(`${name} / ${panel.title} / ${t.refId}: target has no expr`);
        }
        queries.push({ dashboard: name, panel: panel.title, refId: t.refId, expr: substituteVariables(t.expr) });
      }
    }
  }
  return queries;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const dir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_DASHBOARD_DIR;
    for (const q of dashboardQueries(dir)) process.stdout.write(JSON.stringify(q) + '\n');
  } catch (err) {
    process.stderr.write(`dashboard-queries: ${err.message}\n`);
    process.exit(1);
  }
}
