/**
 * The system's parts in one table: the modules, what each depends on and what it reads
 * and writes, and the roles (a role is a set of modules; `all` is the union). Everything
 * else that names roles, topics, consumer groups or ports is generated from this table
 * or checked against it: `kairos roles --json`, the local stack (deploy/local/stack.sh,
 * monitoring.sh), the Dapr multi-app run file (dapr.yaml), the Dapr subscriptions in
 * deploy/dapr/ and the chart's tests. How each module starts is in modules.ts.
 *
 * Plain data: importing it costs nothing (main.ts prints it without opening a database).
 */
import { TOPICS, type Topic } from '../domain/events.js';
import { BROADCAST_PUBSUB, PUBSUB } from '../adapters/dapr/names.js';

export const MODULE_NAMES = ['store', 'task-core', 'auth', 'relay', 'api', 'notifier', 'recurrence', 'audit', 'realtime'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

export interface Subscription {
  topic: Topic;
  /** The Dapr pub/sub component it arrives through. */
  pubsub: string;
  /** The app route the sidecar posts to. */
  route: string;
  /** Kafka consumer group: one per role, or one per replica (`{uuid}`: every replica gets every event). */
  consumerGroup: string;
  /** Bulk delivery: up to `maxMessagesCount` events per request. */
  bulk?: { maxMessagesCount: number; maxAwaitDurationMs: number };
}

export interface ModuleSpec {
  name: ModuleName;
  summary: string;
  deps: ModuleName[];
  /** The consumer this module subscribes (its name is the consumer's name). */
  subscribes?: Omit<Subscription, 'consumerGroup'> & { perReplica?: boolean };
  /** Topics whose events this module writes to the outbox (the relay publishes them). */
  writes?: Topic[];
  /** Topics the module publishes (the relay). */
  publishes?: Topic[];
  /** Public HTTP it serves. */
  serves?: string[];
}

/**
 * Bulk delivery for the streams with a latency budget (p90 ≤ 25 ms): the sidecar sends up
 * to 100 events per request, a lone event after at most 5 ms. Under load that is one
 * request (and, for audit, one insert) per batch instead of per event; a burst no longer
 * queues behind one request per event on each partition.
 */
const LATENCY_BULK = { maxMessagesCount: 100, maxAwaitDurationMs: 5 };

export const MODULES: readonly ModuleSpec[] = [
  { name: 'store', summary: 'the database: task reads, audit, notifications, preferences, views, updates log', deps: [] },
  {
    name: 'task-core',
    summary: 'task use cases and the unit of work (a change and its outbox records in one transaction), reminder firing',
    deps: ['store'],
    writes: [TOPICS.taskEvents, TOPICS.taskUpdates, TOPICS.reminders],
  },
  { name: 'auth', summary: 'who is calling: Better Auth where the api runs, otherwise bearer tokens against its key set', deps: [] },
  {
    name: 'relay',
    summary: 'outbox relay: publishes committed events and (re)schedules reminder jobs; reminder-job callbacks',
    deps: ['task-core'],
    publishes: [TOPICS.taskEvents, TOPICS.taskUpdates, TOPICS.reminders],
  },
  {
    name: 'api',
    summary: 'REST API, OpenAPI, auth endpoints; serves next-occurrence calls and the housekeeping sweep',
    deps: ['task-core', 'auth'],
    serves: ['/api', '/docs'],
  },
  {
    name: 'notifier',
    summary: 'a due reminder → in-app notification (+ e-mail)',
    deps: ['task-core'],
    subscribes: {
      topic: TOPICS.reminders,
      pubsub: PUBSUB,
      route: `/events/${TOPICS.reminders}/bulk`,
      bulk: { maxMessagesCount: 100, maxAwaitDurationMs: 10 },
    },
  },
  {
    name: 'recurrence',
    summary: "a completed recurring task → its next occurrence (the api's next-occurrence method)",
    deps: [],
    subscribes: { topic: TOPICS.taskEvents, pubsub: PUBSUB, route: `/events/${TOPICS.taskEvents}/bulk`, bulk: LATENCY_BULK },
  },
  {
    name: 'audit',
    summary: 'every task event → append-only history',
    deps: ['store'],
    subscribes: { topic: TOPICS.taskEvents, pubsub: PUBSUB, route: `/events/${TOPICS.taskEvents}/bulk`, bulk: LATENCY_BULK },
  },
  {
    name: 'realtime',
    summary: "task updates → WebSocket push to the user's clients, replay after a reconnect",
    deps: ['store', 'auth'],
    subscribes: {
      topic: TOPICS.taskUpdates,
      pubsub: BROADCAST_PUBSUB,
      route: `/events/${TOPICS.taskUpdates}/bulk`,
      bulk: LATENCY_BULK,
      perReplica: true,
    },
    serves: ['/ws'],
  },
];

export const ROLES = ['all', 'api', 'notifier', 'recurrence', 'audit', 'realtime'] as const;
export type Role = (typeof ROLES)[number];
export type DistributedRole = Exclude<Role, 'all'>;

/** The distributed roles, in order: role i listens on 4000+i, its sidecar on 3500+i, … */
export const DISTRIBUTED_ROLES: Record<DistributedRole, { modules: ModuleName[] }> = {
  api: { modules: ['api', 'relay'] },
  notifier: { modules: ['notifier'] },
  recurrence: { modules: ['recurrence'] },
  audit: { modules: ['audit'] },
  realtime: { modules: ['realtime'] },
};

const roleIndex = (role: DistributedRole) => Object.keys(DISTRIBUTED_ROLES).indexOf(role);

/** The HTTP port a role listens on by default (`all` as the api). */
export function defaultPort(role: Role): number {
  return 4000 + (role === 'all' ? 0 : roleIndex(role));
}

/** The Dapr app id of a distributed role. */
export const appIdOf = (role: DistributedRole) => `kairos-${role}`;

/** A role's modules with everything they depend on, in the table's (dependency) order. */
export function modulesOf(role: Role): ModuleName[] {
  const wanted = new Set<ModuleName>();
  const add = (name: ModuleName) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of specOf(name).deps) add(dep);
  };
  const top = role === 'all' ? Object.values(DISTRIBUTED_ROLES).flatMap((r) => r.modules) : DISTRIBUTED_ROLES[role].modules;
  top.forEach(add);
  return MODULES.map((m) => m.name).filter((n) => wanted.has(n));
}

export function specOf(name: ModuleName): ModuleSpec {
  const spec = MODULES.find((m) => m.name === name);
  if (!spec) throw new Error(`unknown module ${name}`);
  return spec;
}

/** Ports of a distributed role on one machine (the local stack and dapr.yaml): app 4000+i, sidecar 3500+i, … */
export function localPorts(role: DistributedRole) {
  const i = roleIndex(role);
  return { app: 4000 + i, daprHttp: 3500 + i, daprGrpc: 25200 + i, daprInternalGrpc: 25300 + i, daprMetrics: 9190 + i };
}

/** The table as `kairos roles --json` prints it. */
export function describeSystem() {
  const subscriptionsOf = (role: DistributedRole): Array<Subscription & { consumer: string }> =>
    modulesOf(role).flatMap((name) => {
      const sub = specOf(name).subscribes;
      if (!sub) return [];
      const { perReplica, ...rest } = sub;
      return [{ consumer: name, ...rest, consumerGroup: perReplica ? `${appIdOf(role)}-{uuid}` : appIdOf(role) }];
    });
  const roles = (Object.keys(DISTRIBUTED_ROLES) as DistributedRole[]).map((role) => ({
    role,
    appId: appIdOf(role),
    port: defaultPort(role),
    modules: modulesOf(role),
    publishes: [...new Set(modulesOf(role).flatMap((m) => specOf(m).publishes ?? []))],
    subscriptions: subscriptionsOf(role),
    serves: modulesOf(role).flatMap((m) => specOf(m).serves ?? []),
    localPorts: localPorts(role),
  }));
  const topics = Object.values(TOPICS).map((topic) => ({
    topic,
    deadLetterTopic: `${topic}.dlq`,
    publishedBy: roles.filter((r) => r.publishes.includes(topic)).map((r) => r.role),
    consumedBy: roles.flatMap((r) =>
      r.subscriptions.filter((s) => s.topic === topic).map((s) => ({ role: r.role, consumerGroup: s.consumerGroup })),
    ),
  }));
  return {
    modules: MODULES.map(({ name, summary, deps }) => ({ name, summary, deps })),
    roles: [{ role: 'all', port: defaultPort('all'), modules: modulesOf('all') }, ...roles],
    topics,
  };
}

/** The table as `kairos roles` prints it for people. */
export function formatSystem(): string {
  const { roles, topics } = describeSystem();
  const lines = ['role        port  modules'];
  for (const r of roles) lines.push(`${r.role.padEnd(11)} ${String(r.port).padEnd(5)} ${r.modules.join(', ')}`);
  lines.push('', 'topic         published by  consumed by (consumer group)');
  for (const t of topics) {
    const consumers = t.consumedBy.map((c) => `${c.role} (${c.consumerGroup})`).join(', ');
    lines.push(`${t.topic.padEnd(13)} ${t.publishedBy.join(', ').padEnd(13)} ${consumers}`);
  }
  return lines.join('\n');
}
