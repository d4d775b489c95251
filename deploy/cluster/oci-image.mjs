#!/usr/bin/env node
// oci-image.mjs SPEC.json OUT.tar
// Writes an OCI image archive (oci-layout, index.json, blobs) that
// `ctr images import` reads, from a spec:
//   { "name": "kairos.local/kairos-backend:0.1.0-abc", "layers": ["dir-or-layer.tar", …],
//     "config": { "Entrypoint": [...], "Cmd": [...], "User": "10001:10001",
//                 "WorkingDir": "/app", "Env": ["K=V"], "Labels": {…}, "ExposedPorts": {…} } }
// A directory layer is archived reproducibly (sorted, mtime 0, numeric root
// ownership unless the file says otherwise, via GNU tar); a .tar is used as is.
// Layers stay uncompressed: the archive is imported on the same machine.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [specPath, out] = process.argv.slice(2);
if (!specPath || !out) {
  console.error('usage: oci-image.mjs SPEC.json OUT.tar');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
if (!/^[a-z0-9.-]+(\/[a-z0-9._-]+)+:[\w][\w.-]{0,127}$/.test(spec.name ?? '') || spec.name.endsWith(':latest')) {
  console.error(`oci-image: image name must be fully qualified with a non-latest tag, got '${spec.name}'`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'oci-image-'));
const blobs = join(work, 'blobs', 'sha256');
mkdirSync(blobs, { recursive: true });

function sha256File(path) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

async function addBlobFile(path) {
  const hex = await sha256File(path);
  renameSync(path, join(blobs, hex));
  return { digest: `sha256:${hex}`, size: statSync(join(blobs, hex)).size };
}

function addBlobJson(value) {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobs, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

const layers = [];
for (const [i, layer] of spec.layers.entries()) {
  const tarPath = join(work, `layer-${i}.tar`);
  if (statSync(layer).isDirectory()) {
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--numeric-owner', '--xattrs', '-C', layer, '-cf', tarPath, '.'], {
      stdio: 'inherit',
    });
  } else {
    execFileSync('cp', [layer, tarPath]);
  }
  layers.push(await addBlobFile(tarPath));
}

const config = addBlobJson({
  created: '1970-01-01T00:00:00Z',
  architecture: 'amd64',
  os: 'linux',
  config: spec.config ?? {},
  rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
  history: layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'deploy/cluster/images.sh' })),
});
const manifest = addBlobJson({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
  layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
});
const tag = spec.name.slice(spec.name.lastIndexOf(':') + 1);
writeFileSync(join(work, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
writeFileSync(
  join(work, 'index.json'),
  JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  }),
);
execFileSync('tar', ['--sort=name', '--mtime=@0', '--numeric-owner', '-C', work, '-cf', `${out}.tmp`, 'oci-layout', 'index.json', 'blobs']);
renameSync(`${out}.tmp`, out);
rmSync(work, { recursive: true, force: true });
console.log(`${spec.name} ${manifest.digest} (${layers.length} layers)`);
