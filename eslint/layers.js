// The backend's layers and the direction of imports between them, as two ESLint rules:
//   kairos/layers   a file imports only from its own layer and the layers it may depend on
//   kairos/no-cycle no file reaches itself through its relative imports (type imports count)
// domain ← ports ← app ← adapters | http ← roles; observability is usable from app outwards.
import fs from 'node:fs';
import path from 'node:path';

/** Layer → the layers its files may import from (besides their own). */
export const LAYERS = {
  domain: [],
  ports: ['domain'],
  observability: [],
  app: ['domain', 'ports', 'observability'],
  adapters: ['domain', 'ports', 'app', 'observability'],
  http: ['domain', 'ports', 'app', 'observability'],
  // the composition root: roles/, main.ts, config.ts
  roles: ['domain', 'ports', 'app', 'observability', 'adapters', 'http'],
};

const SRC = `${path.sep}backend${path.sep}src${path.sep}`;

/** The layer of an absolute file path under backend/src, or null outside it. */
function layerOf(file) {
  const i = file.lastIndexOf(SRC);
  if (i < 0) return null;
  const first = file.slice(i + SRC.length).split(path.sep)[0];
  if (first in LAYERS) return first;
  return 'roles'; // main.ts, config.ts
}

/** A relative specifier's file: `./x.js` is `./x.ts` in the sources. */
function resolve(from, spec) {
  if (!spec.startsWith('.')) return null;
  const target = path.resolve(path.dirname(from), spec);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, path.join(target, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const importsCache = new Map();
function importsOf(file) {
  let list = importsCache.get(file);
  if (!list) {
    const text = fs.readFileSync(file, 'utf8');
    list = [...text.matchAll(IMPORT)].map((m) => resolve(file, m[1] ?? m[2])).filter(Boolean);
    importsCache.set(file, list);
  }
  return list;
}

/** Every source node of an import, export … from, or import(). */
function onImports(check) {
  const visit = (node) => node.source && typeof node.source.value === 'string' && check(node, node.source.value);
  return { ImportDeclaration: visit, ExportNamedDeclaration: visit, ExportAllDeclaration: visit, ImportExpression: visit };
}

const layers = {
  meta: { type: 'problem', docs: { description: 'backend layers import only inwards' }, schema: [] },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from) return {};
    return onImports((node, spec) => {
      const target = resolve(file, spec);
      const to = target && layerOf(target);
      if (!to || to === from || LAYERS[from].includes(to)) return;
      context.report({
        node: node.source,
        message: `${from}/ must not import ${to}/ (${spec}): the direction is domain ← ports ← app ← adapters | http ← roles (eslint/layers.js)`,
      });
    });
  },
};

const noCycle = {
  meta: { type: 'problem', docs: { description: 'no import loops between source files' }, schema: [] },
  create(context) {
    const file = context.filename;
    if (!layerOf(file)) return {};
    return onImports((node, spec) => {
      const target = resolve(file, spec);
      if (!target) return;
      // breadth-first from the imported file back to this one
      const seen = new Map([[target, null]]);
      const queue = [target];
      while (queue.length) {
        const current = queue.shift();
        if (current === file) {
          const loop = [];
          for (let f = seen.get(current); f; f = seen.get(f)) loop.unshift(path.basename(f));
          context.report({
            node: node.source,
            message: `import loop: ${path.basename(file)} → ${[...loop, path.basename(file)].join(' → ')}`,
          });
          return;
        }
        for (const next of importsOf(current)) {
          if (!seen.has(next)) {
            seen.set(next, current);
            queue.push(next);
          }
        }
      }
    });
  },
};

export default { rules: { layers, 'no-cycle': noCycle } };
