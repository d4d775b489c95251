#!/usr/bin/env node
// node prune-deps.mjs APP_DIR WORKSPACE
//
// Leaves in APP_DIR/node_modules only the production dependency tree of one workspace.
// `npm ci --omit=dev --workspace backend` installs from the whole lockfile: the other
// workspaces' dependencies (the web app's Next.js and React, ~300 MB) stay, hoisted, and
// an optional peer dependency they satisfy (better-auth's `next`) counts as used. Kept here:
// the workspace's `dependencies` and `optionalDependencies`, theirs, and peer dependencies
// that are not optional — each resolved as Node does (nested node_modules first, then up).
// Then every compiled module's package imports must resolve (APP_DIR/WORKSPACE/dist), or
// the script fails, naming them.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

const [appDir, workspace] = process.argv.slice(2);
if (!appDir || !workspace) {
  console.error('usage: prune-deps.mjs APP_DIR WORKSPACE');
  process.exit(2);
}
const root = join(appDir, 'node_modules');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The folder of package `name` as required from folder `from` (Node's lookup), or null. */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir) || !dir.startsWith(appDir)) return null;
  }
}

const keep = new Set();
const missing = [];
function visit(pkgDir, required) {
  const real = realpathSync(pkgDir);
  if (keep.has(real)) return;
  keep.add(real);
  const pkg = readJson(join(pkgDir, 'package.json'));
  const optionalPeers = pkg.peerDependenciesMeta ?? {};
  const edges = [
    ...Object.keys(pkg.dependencies ?? {}).map((n) => [n, true]),
    ...Object.keys(pkg.optionalDependencies ?? {}).map((n) => [n, false]),
    ...Object.keys(pkg.peerDependencies ?? {})
      .filter((n) => !optionalPeers[n]?.optional)
      .map((n) => [n, true]),
  ];
  for (const [name, needed] of edges) {
    const dir = resolvePackage(name, real);
    if (dir) visit(dir, true);
    else if (needed && required) missing.push(`${name} (from ${pkg.name})`);
  }
}
visit(join(appDir, workspace), true);
if (missing.length) {
  console.error(`prune-deps: dependencies not installed: ${[...new Set(missing)].join(', ')}`);
  process.exit(1);
}

// Every installed package folder (scoped and nested ones included), deepest last.
function packages(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === '.bin' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (entry.startsWith('@')) {
      packages(path, out);
      continue;
    }
    out.push(path);
    if (!lstatSync(path).isSymbolicLink()) packages(join(path, 'node_modules'), out);
  }
  return out;
}
const kept = (path) => {
  try {
    return keep.has(realpathSync(path));
  } catch {
    return false; // a dangling link (a workspace removed from the image)
  }
};
let removed = 0;
for (const path of packages(root)) {
  if (!existsSync(path) && !lstatSync(path, { throwIfNoEntry: false })) continue; // inside one removed already
  if (kept(path)) continue;
  rmSync(path, { recursive: true, force: true });
  removed++;
}
rmSync(join(root, '.bin'), { recursive: true, force: true }); // commands are not run in the image
// scope folders left empty
for (const entry of readdirSync(root)) {
  const path = join(root, entry);
  if (entry.startsWith('@') && readdirSync(path).length === 0) rmSync(path, { recursive: true });
}
console.log(`prune-deps: kept ${keep.size - 1} packages of ${workspace}'s production tree, removed ${removed}`);

// The compiled code's package imports (static and dynamic), resolved from its own folder.
const dist = join(appDir, workspace, 'dist');
if (existsSync(dist)) {
  const specs = new Set();
  const files = readdirSync(dist, { recursive: true }).filter((f) => f.endsWith('.js'));
  for (const file of files) {
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]((?:@[\w.-]+\/)?[\w-][\w.-]*(?:\/[\w./-]+)?)['"]/g)) {
      if (!m[1].startsWith('node:')) specs.add(m[1]);
    }
  }
  const probe = `for (const s of ${JSON.stringify([...specs])}) { try { import.meta.resolve(s); } catch { console.log(s); } }`;
  const unresolved = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: dist, encoding: 'utf8' }).trim();
  if (unresolved) {
    console.error(`prune-deps: imports of ${workspace}/dist that do not resolve: ${unresolved.split('\n').join(', ')}`);
    process.exit(1);
  }
  console.log(`prune-deps: all ${specs.size} package imports of ${workspace}/dist resolve`);
}
