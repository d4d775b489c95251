/**
 * Brings the distributed stack up before the system tests and down after them. If it
 * cannot start, the suite fails with the stack's own reason (no skipping).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    stackDir: string;
  }
}

const root = resolve(import.meta.dirname, '../../..');

export default function setup(project: TestProject) {
  const stackDir = process.env.KAIROS_STACK_DIR ?? mkdtempSync(join(tmpdir(), 'kairos-system-'));
  // Prometheus and the web app too: the observability and browser tests use them (they
  // must start, not just "if installed / built").
  const env = { ...process.env, KAIROS_STACK_DIR: stackDir, KAIROS_MONITORING: '1', KAIROS_STACK_WEB: '1' };
  const run = (cmd: string) => execFileSync('bash', ['deploy/local/stack.sh', cmd], { cwd: root, env, stdio: 'inherit', timeout: 600_000 });
  try {
    run('up');
  } catch (err) {
    try {
      run('down');
    } catch {
      /* already down */
    }
    throw new Error(`the distributed stack did not start (logs in ${stackDir}/logs): ${(err as Error).message}`);
  }
  project.provide('stackDir', stackDir);
  return () => run('down');
}
