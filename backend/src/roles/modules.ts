/**
 * How each module of the table (table.ts) starts. A role runs its modules' init
 * functions in the table's dependency order on one platform (embedded or Dapr, from
 * platforms.ts); a module takes what its dependencies provided, registers its consumers
 * with the platform, adds its HTTP routes and its background work. No module knows
 * which platform it runs on.
 */
import type { FastifyInstance } from 'fastify';
import { createAuth } from '../adapters/auth/better-auth.js';
import { createTokenVerifier } from '../adapters/auth/verifier.js';
import { withPersonalTokens } from '../adapters/auth/personal-tokens.js';
import { createPersonalAccessTokenStore } from '../adapters/postgres/assistant.js';
import { assistantRoutes } from './assistant.js';
import type { Platform, RoutePlugin } from '../adapters/platform.js';
import { createHousekeeping } from '../adapters/postgres/housekeeping.js';
import { createOutboxRelay, type OutboxRelay } from '../adapters/postgres/outbox-relay.js';
import { createUnitOfWork, OUTBOX_CHANNEL } from '../adapters/postgres/outbox.js';
import { createTaskRepository } from '../adapters/postgres/task-repository.js';
import {
  createAuditStore,
  createNotificationStore,
  createPreferencesStore,
  createUpdatesLog,
  createUserDirectory,
  createViewStore,
} from '../adapters/postgres/user-data.js';
import { auditConsumer } from '../app/audit.js';
import { notifierConsumer } from '../app/notifications.js';
import { createPortability } from '../app/portability.js';
import { createRealtimeHub } from '../app/realtime.js';
import { recurrenceConsumer } from '../app/recurrence.js';
import { createRelayDispatch } from '../app/relay.js';
import { createReminderFiring, reminderJobScheduling, type FireDueJobs } from '../app/reminders.js';
import { createTaskService, type TaskService } from '../app/tasks.js';
import { ConfigError } from '../config.js';
import { createAuthenticate, type Authenticate } from '../http/authenticate.js';
import { publicApiRoutes } from '../http/api.js';
import { presentTask } from '../http/present.js';
import { websocketRoutes } from '../http/routes/websocket.js';
import type { IdentityProvider, UnitOfWork } from '../ports/index.js';
import { serveRole, type Core, type RunningRole } from './core.js';
import { modulesOf, type ModuleName, type Role } from './table.js';

/** What modules provide to the modules that depend on them. */
interface Provided {
  stores: ReturnType<typeof createStores>;
  taskCore: { uow: UnitOfWork; tasks: TaskService; fireDue: FireDueJobs; setKick(fn: () => void): void };
  identity: {
    authenticate: Authenticate;
    auth?: IdentityProvider;
    publicUrl?: string;
    /** A short-lived bearer token for a user (the assistant's MCP connection); where the api runs. */
    mintToken?: (userId: string) => Promise<string>;
  };
}

interface ModuleContext {
  core: Core;
  platform: Platform;
  /** True when the role runs this module too (e.g. the realtime module next to the api). */
  has(name: ModuleName): boolean;
  use<K extends keyof Provided>(key: K): Provided[K];
  provide<K extends keyof Provided>(key: K, value: Provided[K]): void;
  /** HTTP routes, registered in module order. */
  routes: RoutePlugin[];
  /** Background work, started in module order once the server is built. */
  onStart: Array<() => void | Promise<void>>;
  /** Run in module order after HTTP has drained (after the platform has stopped). */
  onStop: Array<() => void | Promise<void>>;
}

type Init = (ctx: ModuleContext) => void;

const createStores = ({ database: { db } }: Core) => ({
  reader: createTaskRepository(db),
  audit: createAuditStore(db),
  notifications: createNotificationStore(db),
  preferences: createPreferencesStore(db),
  views: createViewStore(db),
  users: createUserDirectory(db),
  updatesLog: createUpdatesLog(db),
});

export const MODULE_INIT: Record<ModuleName, Init> = {
  store(ctx) {
    ctx.provide('stores', createStores(ctx.core));
  },

  'task-core'(ctx) {
    const { core } = ctx;
    const { reader } = ctx.use('stores');
    let kick = () => {};
    const uow = createUnitOfWork(core.database.db, () => kick());
    ctx.provide('taskCore', {
      uow,
      tasks: createTaskService({ uow, reader, clock: core.clock }),
      fireDue: createReminderFiring({ uow, clock: core.clock, metrics: core.metrics }),
      setKick: (fn) => (kick = fn),
    });
  },

  auth(ctx) {
    const { config, database } = ctx.core;
    if (!ctx.has('api')) {
      // verifies the api's bearer tokens against its key set
      const url = config.KAIROS_JWKS_URL ?? ctx.platform.jwksUrl;
      if (!url) throw new ConfigError(`role ${config.role} needs KAIROS_JWKS_URL: where to fetch the api's key set`);
      ctx.provide('identity', { authenticate: createAuthenticate({ verify: createTokenVerifier({ url }) }) });
      return;
    }
    const secret = config.BETTER_AUTH_SECRET ?? ctx.platform.defaultAuthSecret?.();
    if (!secret) {
      throw new ConfigError(
        `role ${config.role} needs BETTER_AUTH_SECRET (or the secret \`better-auth-secret\` in the Dapr secret store): every api replica must sign with the same key`,
      );
    }
    const publicUrl = config.KAIROS_PUBLIC_URL ?? `http://localhost:${config.port}`;
    const auth = createAuth({
      db: database.db,
      secret,
      baseURL: publicUrl,
      trustedOrigins: config.KAIROS_TRUSTED_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      jwtTtl: config.KAIROS_JWT_TTL,
    });
    const verify = withPersonalTokens(
      createTokenVerifier({ load: async () => (await auth.api.getJwks()) as never }),
      createPersonalAccessTokenStore(database.db),
    );
    const mintToken = async (userId: string) =>
      (await auth.api.signJWT({ body: { payload: { sub: userId, purpose: 'assistant' } } })).token;
    ctx.provide('identity', { authenticate: createAuthenticate({ verify, auth }), auth, publicUrl, mintToken });
  },

  relay(ctx) {
    const { core, platform } = ctx;
    const { fireDue, setKick } = ctx.use('taskCore');
    // PGlite is one connection in this thread: lanes would only take turns on it
    const lanes = core.database.kind === 'postgres' ? core.config.KAIROS_OUTBOX_LANES : 1;
    const relay = createOutboxRelay({
      // connections of its own (one per lane): under a burst of requests or job callbacks the
      // shared pool has a queue, and the relay's lease waiting in it held every event back
      db: core.database.dedicated('relay', lanes),
      lanes,
      pollMs: core.config.KAIROS_OUTBOX_POLL_MS,
      onError: (err) => core.logger.warn({ err }, 'outbox relay: dispatch failed; retrying'),
      dispatch: createRelayDispatch({
        publish: platform.publish,
        applyJobs: reminderJobScheduling(platform.jobs, core.metrics),
        metrics: core.metrics,
      }),
    });
    setKick(() => relay.kick());
    platform.onJobsDue(fireDue);
    const stopBacklog = watchBacklog(core, relay);
    let unlisten: (() => Promise<void>) | undefined;
    ctx.onStart.push(async () => {
      relay.start();
      // other processes' commits (the notifier's notifications, other api replicas) wake it
      // too; without the listener it finds them at its next poll
      unlisten = await core.database
        .onNotify(OUTBOX_CHANNEL, () => relay.kick())
        .catch((err: unknown) => {
          core.logger.warn(
            { err },
            `outbox relay: cannot LISTEN; other processes' events wait for the ${core.config.KAIROS_OUTBOX_POLL_MS} ms poll`,
          );
          return undefined;
        });
    });
    ctx.onStop.push(
      stopBacklog,
      async () => unlisten?.(),
      () => relay.stop(core.config.KAIROS_SHUTDOWN_TIMEOUT_MS),
    );
  },

  api(ctx) {
    const { core, platform } = ctx;
    const { tasks, uow } = ctx.use('taskCore');
    const { auth, authenticate, publicUrl } = ctx.use('identity');
    const stores = ctx.use('stores');
    ctx.routes.push(
      ...publicApiRoutes({
        auth: auth!,
        authenticate,
        publicOrigin: new URL(publicUrl!).origin,
        rateLimitPerMinute: core.config.KAIROS_AUTH_RATE_LIMIT,
        tasks,
        portability: createPortability({
          uow,
          reader: stores.reader,
          views: stores.views,
          preferences: stores.preferences,
          clock: core.clock,
        }),
        clock: core.clock,
        stores,
      }),
    );
    ctx.routes.push(
      ...assistantRoutes(core, {
        authenticate,
        mintToken: ctx.use('identity').mintToken!,
        tasks,
        preferences: stores.preferences,
        conversations: platform.conversations,
      }),
    );
    platform.serveNextOccurrence(tasks);
    platform.onSweep(createHousekeeping(core.database.db));
  },

  notifier(ctx) {
    const { core, platform } = ctx;
    const { uow } = ctx.use('taskCore');
    const { preferences, users } = ctx.use('stores');
    platform.subscribe(
      notifierConsumer({
        uow,
        preferences,
        users,
        processed: platform.processed,
        mailer: platform.mailer,
        clock: core.clock,
        onDelivered: (channel, outcome) => core.metrics.notifications.inc({ channel, outcome }),
      }),
    );
  },

  recurrence(ctx) {
    ctx.platform.subscribe(recurrenceConsumer(ctx.platform.nextOccurrence));
  },

  audit(ctx) {
    ctx.platform.subscribe(auditConsumer(ctx.use('stores').audit));
  },

  realtime(ctx) {
    const { metrics } = ctx.core;
    const hub = createRealtimeHub({
      log: ctx.use('stores').updatesLog,
      present: presentTask,
      liveAtStart: ctx.platform.subscribedFromStart,
    });
    ctx.platform.subscribe(hub.consumer(() => metrics.wsMessages.inc()));
    ctx.routes.push([
      websocketRoutes,
      { hub, authenticate: ctx.use('identity').authenticate, onConnections: (n: number) => metrics.wsConnections.set(n) },
    ]);
  },
};

/**
 * Starts a role: its modules on the platform, behind one HTTP server (health, metrics,
 * the modules' routes, then the platform's inbound routes).
 */
export async function startRole(
  core: Core,
  platform: Platform,
  opts: { role?: Role; listen?: boolean } = {},
): Promise<RunningRole & { app: FastifyInstance }> {
  const modules = modulesOf(opts.role ?? core.config.role);
  const provided: Partial<Provided> = {};
  const ctx: ModuleContext = {
    core,
    platform,
    has: (name) => modules.includes(name),
    use(key) {
      const value = provided[key];
      if (!value) throw new Error(`${key} is not provided: a module that needs it lacks a dependency in roles/table.ts`);
      return value;
    },
    provide: (key, value) => void (provided[key] = value),
    routes: [],
    onStart: [],
    onStop: [],
  };
  for (const name of modules) MODULE_INIT[name](ctx);

  const publicApi = ctx.has('api');
  return serveRole(core, {
    openapi: publicApi,
    // without the public API, the largest body is a bulk delivery from the sidecar
    bodyLimit: publicApi ? core.config.KAIROS_BODY_LIMIT : 1024 * 1024,
    readiness: { database: () => core.database.ping(), ...platform.readiness },
    plugins: [...ctx.routes, ...platform.routes()],
    ...(opts.listen === false ? { listen: false } : {}),
    async start() {
      for (const start of ctx.onStart) await start();
      await platform.start();
    },
    teardown: [() => platform.stop(), ...ctx.onStop],
  });
}

/** Keeps the outbox backlog and database pool gauges current. */
function watchBacklog(core: Core, relay: OutboxRelay): () => void {
  const timer = setInterval(async () => {
    try {
      const b = await relay.backlog();
      core.metrics.outboxPending.set(b.pending);
      core.metrics.outboxOldestAge.set(b.oldestAgeMs / 1000);
      const pool = core.database.poolStats();
      core.metrics.dbPool.set({ state: 'total' }, pool.total);
      core.metrics.dbPool.set({ state: 'idle' }, pool.idle);
      core.metrics.dbPool.set({ state: 'waiting' }, pool.waiting);
    } catch {
      /* the database may be closing */
    }
  }, 5000);
  timer.unref();
  return () => clearInterval(timer);
}
