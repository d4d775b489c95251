#!/usr/bin/env node
// Prints the gzipped first-load JavaScript of the main routes from the last
// `next build` and fails when the task list page (/) exceeds the budget.
//
// First-load JS of a route = the shared runtime chunks (build-manifest
// `rootMainFiles`) + the chunks its layout and page need (client reference
// manifest `entryJSFiles`) + any other <script src> in its prerendered HTML.
// The legacy polyfill chunk is excluded: modern browsers never load it (nomodule).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runInNewContext } from 'node:vm';

const root = join(import.meta.dirname, '..', '.next');
const budgetKb = Number(process.env.KAIROS_JS_BUDGET_KB ?? 200);
const routes = [
  { route: '/', dir: 'page', html: 'index.html', budget: true },
  { route: '/sign-in', dir: 'sign-in/page', html: 'sign-in.html' },
  { route: '/sign-up', dir: 'sign-up/page', html: 'sign-up.html' },
];

if (!existsSync(join(root, 'build-manifest.json'))) {
  console.error('No build found: run `npm run build -w web` first.');
  process.exit(2);
}
const buildManifest = JSON.parse(readFileSync(join(root, 'build-manifest.json'), 'utf8'));
const polyfills = new Set(buildManifest.polyfillFiles ?? []);
const norm = (f) => f.replace(/^\/?_next\//, '').replace(/^\//, '');
const sizes = new Map();
function gz(file) {
  if (!sizes.has(file)) {
    const buf = readFileSync(join(root, file));
    sizes.set(file, { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
  }
  return sizes.get(file);
}

function entryFiles(dir) {
  const file = join(root, 'server', 'app', `${dir}_client-reference-manifest.js`);
  if (!existsSync(file)) return [];
  const sandbox = { globalThis: {} };
  sandbox.globalThis = sandbox;
  runInNewContext(readFileSync(file, 'utf8'), sandbox);
  const out = [];
  for (const m of Object.values(sandbox.__RSC_MANIFEST ?? {})) for (const list of Object.values(m.entryJSFiles ?? {})) out.push(...list);
  return out;
}

let failed = false;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`${'Route'.padEnd(12)} ${'First-load JS (gzip)'.padStart(22)} ${'raw'.padStart(10)}  chunks`);
for (const r of routes) {
  const files = new Set(buildManifest.rootMainFiles ?? []);
  for (const f of entryFiles(r.dir)) files.add(norm(f));
  const html = join(root, 'server', 'app', r.html);
  if (existsSync(html)) for (const m of readFileSync(html, 'utf8').matchAll(/<script[^>]+src="([^"]+\.js)"/g)) files.add(norm(m[1]));
  for (const p of polyfills) files.delete(p);
  let total = 0;
  let raw = 0;
  for (const f of files) {
    const s = gz(f);
    total += s.gzip;
    raw += s.raw;
  }
  const over = r.budget && total > budgetKb * 1024;
  failed ||= over;
  console.log(
    `${r.route.padEnd(12)} ${kb(total).padStart(22)} ${kb(raw).padStart(10)}  ${files.size}${r.budget ? `  (budget ${budgetKb} kB${over ? ' — OVER' : ' — ok'})` : ''}`,
  );
}
if (failed) {
  console.error(`The task list page exceeds its first-load JS budget of ${budgetKb} kB gzipped.`);
  process.exit(1);
}
