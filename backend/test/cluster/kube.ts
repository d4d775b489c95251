/**
 * The cluster as the tests see it: kubectl with the admin kubeconfig (the test process
 * runs inside the cluster's network namespace, so Service and pod addresses answer).
 */
import { execFile } from 'node:child_process';
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

/** A command's stdout, without blocking the event loop (see kubectl). */
async function run(file: string, args: string[]): Promise<string> {
  return (await promisify(execFile)(file, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 })).stdout;
}

/**
 * kubectl, without blocking the event loop: a test keeps traffic flowing while it waits on
 * the cluster (load generators, WebSocket clients, kept-alive connections to the
 * release's Services), and a loop blocked for seconds stalls all of them — requests
 * time out, pings go unanswered, figures measure the test runner instead of the release.
 */
export async function kubectl(...args: string[]): Promise<string> {
  return run(join(BIN, 'kubectl'), args);
}

/** A script of deploy/cluster (managed.sh, images.sh, cluster.sh …), asynchronously as kubectl. */
export async function clusterScript(script: string, ...args: string[]): Promise<string> {
  const root = process.env.KAIROS_ROOT;
  if (!root) throw new Error('KAIROS_ROOT is not set: run the cluster tests with `npm run test:cluster`');
  return run('bash', [join(root, 'deploy/cluster', script), ...args]);
}

// Objects are whatever the API server returns; tests assert on the fields they need.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJson(...args: string[]): Promise<any> {
  return JSON.parse(await kubectl('get', ...args, '-o', 'json'));
}

/** Runs a Node.js snippet inside a pod's app container (the images carry node, not curl). */
export async function inPod(pod: string, container: string, script: string): Promise<string> {
  return kubectl('exec', '-n', NAMESPACE, pod, '-c', container, '--', 'node', '--input-type=module', '-e', script);
}

/** Deletes the pods a label selector matches, without waiting for them to go. */
export async function deletePods(selector: string, namespace = NAMESPACE): Promise<void> {
  await kubectl('delete', 'pod', '-n', namespace, '-l', selector, '--wait=false');
}

/** A component's pods that are not being deleted (new ones may not be Ready yet). */
export async function podsOf(component: string) {
  const pods = (await getJson('-n', NAMESPACE, 'pods', '-l', `app.kubernetes.io/component=${component}`)).items;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return pods.filter((p: any) => !p.metadata.deletionTimestamp);
}

export function isReady(pod: { status: { conditions?: Array<{ type: string; status: string }> } }): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * A component's Ready pods: the ones to talk to. The HorizontalPodAutoscaler may add a
 * replica at any time (the api runs near its CPU target on this node), and a pod that
 * is starting has no sidecar listening yet.
 */
export async function readyPodsOf(component: string) {
  return (await podsOf(component)).filter(isReady);
}
