/**
 * Brings the distributed stack up before the system tests and down after them. If it
 * cannot start, the suite fails with the stack's own reason (no skipping).
 *
 * The api role's model is the scripted double (test/assistant/scripted-model.ts) on a
 * fixed loopback port: stack.sh passes LLM_BASE_URL, LLM_API_KEY and LLM_MODEL through
 * to the roles, and the chat suite (assistant.test.ts) starts the double on that port
 * with its own script. While no suite runs it, chat turns answer 502 and nothing else
 * is affected.
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

/** Where the api role looks for its model: the scripted double's port (KAIROS_SYSTEM_MODEL_PORT, 4099). */
export const SYSTEM_MODEL_PORT = Number(process.env.KAIROS_SYSTEM_MODEL_PORT ?? 4099);
export const SYSTEM_MODEL_ENV = {
  LLM_BASE_URL: `http://127.0.0.1:${SYSTEM_MODEL_PORT}/v1`,
  LLM_API_KEY: 'scripted',
  LLM_MODEL: 'scripted-model',
};

export default function setup(project: TestProject) {
  const stackDir = process.env.KAIROS_STACK_DIR ?? mkdtempSync(join(tmpdir(), 'kairos-system-'));
  // Prometheus and the web app too: the observability and browser tests use them (they
  // must start, not just "if installed / built").
  const env = { ...process.env, ...SYSTEM_MODEL_ENV, KAIROS_STACK_DIR: stackDir, KAIROS_MONITORING: '1', KAIROS_STACK_WEB: '1' };
  // Provisioning first, without a time limit: on a cold machine it builds daprd and Dapr's
  // control plane from source and fetches Kafka (10 min or more, its progress on the
  // terminal); warm it returns in seconds. Under a timeout it would be killed halfway,
  // its build orphaned. A failure stops the suite with provision.sh's own message.
  execFileSync('bash', ['deploy/local/provision.sh', 'all'], { cwd: root, env, stdio: 'inherit' });
  // Starting what is provisioned takes a minute or two; 10 min means it hangs.
  const run = (cmd: string) =>
    execFileSync('bash', ['deploy/local/stack.sh', cmd], {
      cwd: root,
      env: { ...env, KAIROS_SKIP_PROVISION: '1' },
      stdio: 'inherit',
      timeout: 600_000,
    });
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
