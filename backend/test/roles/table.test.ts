/**
 * The module table is the one description of the system's parts: the files that repeat
 * it for other tools (deploy/dapr/ subscriptions, dapr.yaml) must say the same, and each
 * consumer module must subscribe what the table says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Consumer } from '../../src/app/consumer.js';
import { loadConfig } from '../../src/config.js';
import { daprRunFile } from '../../src/roles/dapr-run-file.js';
import { MODULE_INIT } from '../../src/roles/modules.js';
import { describeSystem, MODULES, modulesOf, specOf, type ModuleName } from '../../src/roles/table.js';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const yamlDocs = (dir: string) =>
  readdirSync(repo(dir))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(repo(`${dir}/${f}`), 'utf8')).map((d) => d.toJS()))
    .filter(Boolean);

describe('module table', () => {
  const system = describeSystem();
  const distributed = system.roles.filter((r) => r.role !== 'all') as Extract<(typeof system.roles)[number], { appId: string }>[];

  it('role all is the union of the distributed roles, each with its dependencies first', () => {
    const all = new Set(modulesOf('all'));
    expect(all).toEqual(new Set(distributed.flatMap((r) => r.modules)));
    for (const name of MODULES.map((m) => m.name)) expect(all.has(name), name).toBe(true);
    for (const r of system.roles) {
      for (const [i, name] of r.modules.entries()) {
        for (const dep of specOf(name).deps) expect(r.modules.indexOf(dep), `${r.role}: ${name} after ${dep}`).toBeLessThan(i);
      }
    }
  });

  it('every role listens on its table port by default', () => {
    const env = { DATABASE_URL: 'postgres://localhost/kairos' };
    for (const r of system.roles) expect(loadConfig(env, r.role as never).port, r.role).toBe(r.port);
  });

  it('each consumer module subscribes the consumer the table names, on its topic', () => {
    const subscribed = new Map<ModuleName, Consumer[]>();
    for (const spec of MODULES.filter((m) => m.subscribes)) {
      const consumers: Consumer[] = [];
      const stub = new Proxy({}, { get: () => () => undefined });
      MODULE_INIT[spec.name]({
        core: { metrics: stub, clock: { now: () => new Date() } } as never,
        platform: { subscribe: (c: Consumer) => void consumers.push(c), processed: stub, mailer: stub, nextOccurrence: stub } as never,
        has: () => false,
        use: () => stub as never,
        provide: () => {},
        routes: [],
        onStart: [],
        onStop: [],
      });
      subscribed.set(spec.name, consumers);
    }
    for (const [name, consumers] of subscribed) {
      expect(consumers.map((c) => [c.name, c.topic])).toEqual([[name, specOf(name).subscribes!.topic]]);
    }
  });

  it('deploy/dapr/subscriptions declare exactly the table subscriptions (topic, component, route, dead letters, scopes, bulk)', () => {
    const subs = yamlDocs('deploy/dapr/subscriptions').filter((d) => d.kind === 'Subscription');
    const expected = system.topics
      .filter((t) => t.consumedBy.length)
      .map((t) => {
        const roles = distributed.filter((r) => r.subscriptions.some((s) => s.topic === t.topic));
        const s = roles[0]!.subscriptions.find((x) => x.topic === t.topic)!;
        return {
          topic: t.topic,
          pubsub: s.pubsub,
          route: s.route,
          deadLetterTopic: t.deadLetterTopic,
          scopes: roles.map((r) => r.appId).sort(),
          bulk: s.bulk ?? null,
        };
      });
    const actual = subs.map((d) => ({
      topic: d.spec.topic,
      pubsub: d.spec.pubsubname,
      route: d.spec.routes.default,
      deadLetterTopic: d.spec.deadLetterTopic,
      scopes: [...d.scopes].sort(),
      bulk: d.spec.bulkSubscribe?.enabled
        ? { maxMessagesCount: d.spec.bulkSubscribe.maxMessagesCount, maxAwaitDurationMs: d.spec.bulkSubscribe.maxAwaitDurationMs }
        : null,
    }));
    const byTopic = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
    expect(actual.sort(byTopic)).toEqual(expected.sort(byTopic));
  });

  it("the pub/sub components' consumer groups are the table's (one per role, or one per replica)", () => {
    const components = yamlDocs('deploy/dapr/components').filter((d) => d.kind === 'Component');
    for (const r of distributed) {
      for (const s of r.subscriptions) {
        const component = components.find((c) => c.metadata.name === s.pubsub);
        const group = component.spec.metadata.find((m: { name: string }) => m.name === 'consumerGroup').value as string;
        expect(group.replaceAll('{appID}', r.appId), `${r.role} on ${s.pubsub}`).toBe(s.consumerGroup);
      }
    }
  });

  it('dapr.yaml is generated from the table (kairos roles --dapr-run-file > dapr.yaml)', () => {
    expect(readFileSync(repo('dapr.yaml'), 'utf8')).toBe(daprRunFile());
    const [run] = parseAllDocuments(daprRunFile()).map((d) => d.toJS());
    expect(run.apps.map((a: { appID: string; appPort: number }) => [a.appID, a.appPort])).toEqual(
      distributed.map((r) => [r.appId, r.port]),
    );
  });
});
