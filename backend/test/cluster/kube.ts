/**
 * The cluster as the tests see it: kubectl with the admin kubeconfig (the test process
 * runs inside the cluster's network namespace, so Service and pod addresses answer).
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

function clusterBin(): string {
  const bin = process.env.KAIROS_CLUSTER_BIN;
  if (!bin || !process.env.KUBECONFIG) {
    throw new Error('run the cluster tests with `npm run test:cluster` (inside the cluster namespace, after `npm run cluster up`)');
  }
  return bin;
}
const BIN = clusterBin();
export const NAMESPACE = process.env.KAIROS_NAMESPACE ?? 'kairos';

export function kubectl(...args: string[]): string {
  return execFileSync(join(BIN, 'kubectl'), args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
}

/**
 * kubectl without blocking the event loop: for tests that keep traffic flowing while they
 * wait on the cluster (a blocked loop stalls the load generator and its sockets).
 */
export async function kubectlAsync(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(join(BIN, 'kubectl'), args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
  return stdout;
}

// Objects are whatever the API server returns; tests assert on the fields they need.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getJson(...args: string[]): any {
  return JSON.parse(kubectl('get', ...args, '-o', 'json'));
}

/** getJson without blocking the event loop (while a test's load runs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJsonAsync(...args: string[]): Promise<any> {
  return JSON.parse(await kubectlAsync('get', ...args, '-o', 'json'));
}

export function serviceUrl(component: string, scheme = 'http'): string {
  const svc = getJson('-n', NAMESPACE, 'service', `kairos-${component}`);
  return `${scheme}://${svc.spec.clusterIP}:${svc.spec.ports[0].port}`;
}

/** Runs a Node.js snippet inside a pod's app container (the images carry node, not curl). */
export function inPod(pod: string, container: string, script: string): string {
  return kubectl('exec', '-n', NAMESPACE, pod, '-c', container, '--', 'node', '--input-type=module', '-e', script);
}

/** A component's pods that are not being deleted (new ones may not be Ready yet). */
export function podsOf(component: string) {
  return notDeleted(getJson(...podsSelector(component)).items);
}

export async function podsOfAsync(component: string) {
  return notDeleted((await getJsonAsync(...podsSelector(component))).items);
}

const podsSelector = (component: string) => ['-n', NAMESPACE, 'pods', '-l', `app.kubernetes.io/component=${component}`];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const notDeleted = (pods: any[]) => pods.filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp);

export function isReady(pod: { status: { conditions?: Array<{ type: string; status: string }> } }): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * A component's Ready pods: the ones to talk to. The HorizontalPodAutoscaler may add a
 * replica at any time (the api runs near its CPU target on this node), and a pod that
 * is starting has no sidecar listening yet.
 */
export function readyPodsOf(component: string) {
  return podsOf(component).filter(isReady);
}

export async function readyPodsOfAsync(component: string) {
  return (await podsOfAsync(component)).filter(isReady);
}
