#!/usr/bin/env node
// Builds kubeconform JSON schemas offline:
//   * Kubernetes kinds from the OpenAPI v3 documents inside the k8s.io/kubernetes Go module
//     (api/openapi-spec/v3/*.json), refs inlined into `definitions`;
//   * custom resources from CRD YAML files (openAPIV3Schema of every served version).
// Every object schema that lists properties gets `additionalProperties: false` (strict),
// unless Kubernetes says it keeps unknown fields.
// Layout: <out>/<group>/<kind>_<version>.json, read by kubeconform with
//   -schema-location '<out>/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'
// (the core group shows up as Group "v1").
// Usage: gen-schemas.mjs --out DIR --k8s-openapi DIR [--crds DIR_OR_FILE ...]
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const args = process.argv.slice(2);
const opt = { crds: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--out') opt.out = args[++i];
  else if (a === '--k8s-openapi') opt.k8s = args[++i];
  else if (a === '--crds') opt.crds.push(args[++i]);
  else throw new Error(`unknown argument ${a}`);
}
if (!opt.out) throw new Error('--out is required');

const written = new Map(); // file -> source, to detect collisions

function write(group, kind, version, schema, source) {
  const g = group === '' ? 'v1' : group;
  const file = path.join(opt.out, g, `${kind.toLowerCase()}_${version}.json`);
  if (written.has(file) && group !== '') return; // first wins (CRDs listed once)
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(schema));
  written.set(file, source);
}

// Normalise one OpenAPI schema node (recursively) into JSON Schema draft-04 terms.
function normalise(node, refPrefix) {
  if (Array.isArray(node)) return node.map((n) => normalise(n, refPrefix));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\/components\/schemas\//, '#/definitions/');
    else if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, normalise(pv, refPrefix)]));
    } else out[k] = normalise(v, refPrefix);
  }
  // int-or-string
  if (out['x-kubernetes-int-or-string'] || out.format === 'int-or-string') {
    delete out.type;
    delete out.format;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  // nullable (OpenAPI 3.0)
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  // strict: reject unknown fields unless Kubernetes keeps them
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && !preserve && out.additionalProperties === undefined && (out.type === 'object' || out.type === undefined)) {
    out.additionalProperties = false;
  }
  if (out.type === 'object' && !out.properties && out.additionalProperties === undefined && preserve) {
    // arbitrary object: nothing to add
  }
  return out;
}

let kinds = 0;

// ---- Kubernetes built-in kinds
if (opt.k8s) {
  const all = {};
  const gvkOf = new Map();
  for (const f of fs.readdirSync(opt.k8s).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(fs.readFileSync(path.join(opt.k8s, f), 'utf8'));
    for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
      all[name] ??= s;
      for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
        if (!gvkOf.has(name)) gvkOf.set(name, []);
        const list = gvkOf.get(name);
        if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
      }
    }
  }
  const normalised = {};
  for (const [name, s] of Object.entries(all)) normalised[name] = normalise(s);
  // Collect the transitive closure of refs for a schema name.
  const closure = (root) => {
    const seen = new Set();
    const stack = [root];
    while (stack.length) {
      const n = stack.pop();
      if (seen.has(n)) continue;
      seen.add(n);
      const walk = (x) => {
        if (Array.isArray(x)) return x.forEach(walk);
        if (!x || typeof x !== 'object') return;
        for (const [k, v] of Object.entries(x)) {
          if (k === '$ref' && typeof v === 'string') stack.push(v.replace('#/definitions/', ''));
          else walk(v);
        }
      };
      walk(normalised[n]);
    }
    return seen;
  };
  for (const [name, gvks] of gvkOf) {
    // Lists, WatchEvents, DeleteOptions, … are not manifests.
    if (name.endsWith('List') || /\.(WatchEvent|DeleteOptions|Status|APIVersions|APIGroup|APIGroupList|APIResourceList)$/.test(name))
      continue;
    const defs = {};
    for (const dep of closure(name)) if (dep !== name && normalised[dep]) defs[dep] = normalised[dep];
    for (const gvk of gvks) {
      const root = structuredClone(normalised[name]);
      // apiVersion / kind must match this file's kind.
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      root.properties = {
        ...root.properties,
        apiVersion: { type: 'string', enum: [apiVersion] },
        kind: { type: 'string', enum: [gvk.kind] },
      };
      const schema = { $schema: 'http://json-schema.org/draft-04/schema#', ...root, definitions: defs };
      write(gvk.group, gvk.kind, gvk.version, schema, 'kubernetes');
      kinds++;
    }
  }
}

// ---- CRDs
function* crdFiles(p) {
  const st = fs.statSync(p);
  if (st.isDirectory()) {
    for (const f of fs.readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) yield path.join(p, f);
  } else yield p;
}
for (const src of opt.crds) {
  for (const file of crdFiles(src)) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const { group, names } = crd.spec;
      for (const v of crd.spec.versions ?? []) {
        if (!v.served) continue;
        const base = v.schema?.openAPIV3Schema;
        if (!base) throw new Error(`${file}: ${names.kind} ${v.name} has no openAPIV3Schema`);
        const root = normalise(structuredClone(base));
        root.properties = {
          ...root.properties,
          apiVersion: { type: 'string', enum: [`${group}/${v.name}`] },
          kind: { type: 'string', enum: [names.kind] },
          metadata: { $ref: '#/definitions/ObjectMeta' },
        };
        root.additionalProperties = false;
        const schema = {
          $schema: 'http://json-schema.org/draft-04/schema#',
          ...root,
          definitions: { ObjectMeta: objectMetaSchema() },
        };
        write(group, names.kind, v.name, schema, file);
        kinds++;
      }
    }
  }
}

// A strict ObjectMeta for custom resources (CRD schemas leave metadata open).
function objectMetaSchema() {
  const strMap = { type: 'object', additionalProperties: { type: 'string' } };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
      namespace: { type: 'string' },
      labels: strMap,
      annotations: strMap,
      finalizers: { type: 'array', items: { type: 'string' } },
    },
  };
}

console.log(`schemas: ${kinds} kinds written to ${opt.out}`);
