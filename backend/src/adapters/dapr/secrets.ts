/**
 * Secrets through the Dapr secrets API: the database URL, the auth secret and SMTP
 * settings live in the secret `kairos` of the store `kairos-secrets` (a local file in
 * the local stack, a Kubernetes Secret in the cluster). Values already set in the
 * environment win, so a developer can override one without editing the store.
 */
import { SECRET_NAME, SECRET_STORE } from './names.js';
import type { DaprSidecar } from './sidecar.js';

/** Secret key → environment variable it provides. */
const MAPPING: Record<string, string> = {
  'database-url': 'DATABASE_URL',
  'better-auth-secret': 'BETTER_AUTH_SECRET',
  'auth-secret': 'BETTER_AUTH_SECRET',
  'smtp-from': 'KAIROS_MAIL_FROM',
};

export async function loadSecretsIntoEnv(dapr: DaprSidecar, env: NodeJS.ProcessEnv): Promise<string[]> {
  const secrets = await dapr.json<Record<string, string>>('GET', `/v1.0/secrets/${SECRET_STORE}/${SECRET_NAME}`);
  const applied: string[] = [];
  for (const [key, variable] of Object.entries(MAPPING)) {
    const value = secrets?.[key];
    if (value && !env[variable]) {
      env[variable] = value;
      applied.push(variable);
    }
  }
  return applied;
}
