/**
 * Configuration from the environment, validated once at start-up. A bad value stops
 * the process with a message that names the variable and what it expects.
 */
import { z } from 'zod';
import { defaultPort, ROLES, type Role } from './roles/table.js';

export { ROLES, type Role };

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  KAIROS_DATA_DIR: z.string().default('./.data'),
  /** How long a start waits for another process to free the data folder (one that was killed frees it within 15 s). */
  KAIROS_DATA_DIR_WAIT_MS: z.coerce.number().int().min(0).default(21_000),
  KAIROS_PUBLIC_URL: z.url().optional(),
  /** Extra origins allowed to call the API with credentials (comma-separated). */
  KAIROS_TRUSTED_ORIGINS: z.string().default('http://localhost:3000,http://127.0.0.1:3000'),
  BETTER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Requests per minute per client to the sign-in / sign-up endpoints. */
  KAIROS_AUTH_RATE_LIMIT: z.coerce.number().int().min(0).default(20),
  /** Writes (POST/PUT/PATCH/DELETE) per minute per user; 0 = off. */
  KAIROS_WRITE_RATE_LIMIT: z.coerce.number().int().min(0).default(1200),
  KAIROS_IMPORT_RATE_LIMIT: z.coerce.number().int().min(0).default(10_000),
  /** Open WebSocket connections per user. */
  KAIROS_WS_MAX_PER_USER: z.coerce.number().int().min(1).default(20),
  /** Largest WebSocket message a client may send (bytes). */
  KAIROS_WS_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(4096),
  KAIROS_JWT_TTL: z
    .string()
    .regex(/^\d+[smhd]$/, 'must look like 15m, 1h or 30s')
    .default('15m'),
  /** Where roles other than api fetch the JWKS (defaults to the api through Dapr). */
  KAIROS_JWKS_URL: z.url().optional(),
  /** SMTP for e-mail reminders in the embedded mode, e.g. smtp://user:pass@host:587. */
  KAIROS_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  KAIROS_MAIL_FROM: z.string().default('Kairos <reminders@localhost>'),
  KAIROS_EVENTS: z.enum(['embedded', 'dapr']).default('embedded'),
  DAPR_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(3500),
  APP_ID: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default(false),
  KAIROS_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  KAIROS_SKIP_MIGRATIONS: bool.default(false),
  KAIROS_OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** Relay passes at once on PostgreSQL, each for its share of the users (PGlite: always 1). */
  KAIROS_OUTBOX_LANES: z.coerce.number().int().min(1).max(16).default(4),
  // The assistant: any OpenAI-compatible endpoint (see .env.example); no LLM_MODEL → chat answers 503.
  LLM_BASE_URL: z.url().optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_API: z.enum(['chat_completions', 'responses']).optional(),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  KAIROS_MCP_URL: z.url().optional(),
  KAIROS_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  // On SIGTERM, keep answering (with `Connection: close`) until clients have moved off, at
  // most this long (src/http/drain.ts). 0 = close at once; the Helm chart sets 10000.
  KAIROS_HTTP_DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  // A kept-alive connection is closed after this many requests, so clients reconnect and
  // a Service spreads them over new replicas (scale-out, rollouts). 0 = unlimited.
  KAIROS_HTTP_MAX_REQUESTS_PER_SOCKET: z.coerce.number().int().min(0).default(100),
  // How long clients may keep an idle kept-alive connection (sent as Keep-Alive: timeout=…,
  // which Node.js clients honour; the server itself waits KEEP_ALIVE_GRACE_MS longer, so
  // the client closes first). Shorter than the drain, a stopping replica has no idle
  // connection left to close under a client (the chart sets 5000).
  KAIROS_HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(72_000),
});

export type Config = z.infer<typeof envSchema> & { role: Role; port: number };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv, role: Role): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])] ?? '')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  if (role !== 'all' && !cfg.DATABASE_URL) {
    throw new ConfigError(
      `role "${role}" runs in distributed mode and needs DATABASE_URL (postgres://…); only --role all can use the embedded database`,
    );
  }
  return { ...cfg, role, port: cfg.PORT ?? defaultPort(role) };
}

export function parseRole(value: string | undefined): Role {
  const role = value ?? 'all';
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ConfigError(`unknown role "${role}"; expected one of: ${ROLES.join(', ')}`);
  }
  return role as Role;
}
